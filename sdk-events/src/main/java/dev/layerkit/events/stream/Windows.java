package dev.layerkit.events.stream;

import dev.layerkit.core.internal.Arguments;
import java.time.Duration;
import java.util.Objects;

/**
 * Event-time windows: tumbling (back to back) or hopping (overlapping, one starting every {@code
 * advance}), aligned to the epoch as in Kafka Streams' {@code TimeWindows}, with a grace period.
 *
 * <p>A window {@code [start, start + size)} accepts events while {@code end + grace > streamTime},
 * where stream time is the largest event time seen so far; at that point it closes and its result
 * is emitted. An event too late for every window it belongs to is counted as dropped. Immutable.
 *
 * <pre>{@code
 * Windows perMinute = Windows.tumbling(Duration.ofMinutes(1)).grace(Duration.ofSeconds(10));
 * Windows sliding = Windows.hopping(Duration.ofMinutes(5), Duration.ofMinutes(1));
 * }</pre>
 */
public final class Windows {

  private final long sizeMillis;
  private final long advanceMillis;
  private final long graceMillis;

  private Windows(long sizeMillis, long advanceMillis, long graceMillis) {
    this.sizeMillis = sizeMillis;
    this.advanceMillis = advanceMillis;
    this.graceMillis = graceMillis;
  }

  /**
   * Returns tumbling windows of {@code size}, without grace.
   *
   * @param size at least 1 ms
   * @return the windows
   * @throws NullPointerException if {@code size} is null
   * @throws IllegalArgumentException if {@code size} is less than 1 ms
   */
  public static Windows tumbling(Duration size) {
    long millis = positiveMillis(size, "size");
    return new Windows(millis, millis, 0);
  }

  /**
   * Returns hopping windows of {@code size}, a new one every {@code advance}, without grace.
   *
   * @param size at least 1 ms
   * @param advance at least 1 ms and at most {@code size}
   * @return the windows
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if a value is less than 1 ms or {@code advance} exceeds
   *     {@code size}
   */
  public static Windows hopping(Duration size, Duration advance) {
    long sizeMillis = positiveMillis(size, "size");
    long advanceMillis = positiveMillis(advance, "advance");
    if (advanceMillis > sizeMillis) {
      throw new IllegalArgumentException("advance must be <= size " + size + " but was "
          + advance);
    }
    return new Windows(sizeMillis, advanceMillis, 0);
  }

  /**
   * Returns these windows with a grace period for late events.
   *
   * @param grace zero or more
   * @return new windows
   * @throws NullPointerException if {@code grace} is null
   * @throws IllegalArgumentException if {@code grace} is negative
   */
  public Windows grace(Duration grace) {
    Arguments.notNegative(grace, "grace");
    return new Windows(sizeMillis, advanceMillis, grace.toMillis());
  }

  private static long positiveMillis(Duration duration, String name) {
    Objects.requireNonNull(duration, name);
    if (duration.toMillis() < 1) {
      throw new IllegalArgumentException(name + " must be >= 1 ms but was " + duration);
    }
    return duration.toMillis();
  }

  /**
   * Returns the window size.
   *
   * @return the size
   */
  public Duration size() {
    return Duration.ofMillis(sizeMillis);
  }

  /**
   * Returns the advance (equal to the size for tumbling windows).
   *
   * @return the advance
   */
  public Duration advance() {
    return Duration.ofMillis(advanceMillis);
  }

  /**
   * Returns the grace period.
   *
   * @return the grace
   */
  public Duration grace() {
    return Duration.ofMillis(graceMillis);
  }

  /**
   * Returns the window size in milliseconds.
   *
   * @return the size
   */
  public long sizeMillis() {
    return sizeMillis;
  }

  /**
   * Returns the grace period in milliseconds.
   *
   * @return the grace
   */
  public long graceMillis() {
    return graceMillis;
  }

  /**
   * Returns the start of the first window that contains {@code timestamp}: Kafka Streams' {@code
   * TimeWindows.windowsFor} rule. Windows containing it start there and every advance up to it.
   *
   * @param timestampMillis an event time, epoch millis, not negative
   * @return the first start, epoch millis
   */
  public long firstWindowStart(long timestampMillis) {
    return (Math.max(0, timestampMillis - sizeMillis + advanceMillis) / advanceMillis)
        * advanceMillis;
  }

  /**
   * Returns the start of the last window that contains {@code timestampMillis}.
   *
   * @param timestampMillis an event time, epoch millis, not negative
   * @return the last start, epoch millis
   */
  public long lastWindowStart(long timestampMillis) {
    return (timestampMillis / advanceMillis) * advanceMillis;
  }

  /**
   * Returns the advance in milliseconds.
   *
   * @return the advance
   */
  public long advanceMillis() {
    return advanceMillis;
  }

  /**
   * Returns whether an event at {@code timestampMillis} is too late for every window it belongs
   * to, at {@code streamTimeMillis}.
   *
   * @param timestampMillis the event time
   * @param streamTimeMillis the largest event time seen, this one included
   * @return true if the event is dropped
   */
  public boolean isLate(long timestampMillis, long streamTimeMillis) {
    return lastWindowStart(timestampMillis) + sizeMillis + graceMillis <= streamTimeMillis;
  }

  @Override
  public String toString() {
    return "Windows{size=" + size() + ", advance=" + advance() + ", grace=" + grace() + '}';
  }
}
