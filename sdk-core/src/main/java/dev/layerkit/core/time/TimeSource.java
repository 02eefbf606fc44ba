package dev.layerkit.core.time;

import java.time.Instant;

/**
 * A source of time: a monotonic nanosecond counter for measuring intervals and a wall clock for
 * timestamps.
 *
 * <p>Layerkit code never calls {@link System#nanoTime()} or {@link Instant#now()} directly; it
 * takes a {@code TimeSource}, which is {@link #system()} in production and a
 * {@link ManualTimeSource} in tests. This plays the role of Caffeine's {@code Ticker} and
 * Bucket4j's {@code TimeMeter}.
 *
 * <p>Implementations must be thread-safe. {@link #nanoTime()} is only meaningful as a difference
 * between two readings of the same source; it is not related to the wall clock.
 */
public interface TimeSource {

  /**
   * Returns the current value of the monotonic counter, in nanoseconds. Successive readings never
   * decrease. Differences are valid for intervals up to about 292 years.
   *
   * @return the counter value in nanoseconds, with an arbitrary origin
   */
  long nanoTime();

  /**
   * Returns the current wall-clock time. Unlike {@link #nanoTime()} the wall clock may jump
   * (NTP, manual changes), so use it for timestamps, not for measuring intervals.
   *
   * @return the current instant
   */
  Instant instant();

  /**
   * Returns the current wall-clock time in milliseconds since the epoch; a shortcut for
   * {@code instant().toEpochMilli()} that implementations may serve without allocating.
   *
   * @return milliseconds since 1970-01-01T00:00:00Z
   */
  default long epochMillis() {
    return instant().toEpochMilli();
  }

  /**
   * Returns the time source backed by {@link System#nanoTime()} and the system UTC clock. It is
   * stateless, thread-safe and allocation-free for {@link #nanoTime()}.
   *
   * @return the system time source
   */
  static TimeSource system() {
    return SystemTimeSource.INSTANCE;
  }
}
