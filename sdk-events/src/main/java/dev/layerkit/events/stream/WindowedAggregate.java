package dev.layerkit.events.stream;

import java.time.Instant;
import java.util.Objects;

/**
 * The result of one key in one window, as emitted when the window closes and as queried while it
 * is open.
 *
 * @param key the key
 * @param windowStart the window's start, inclusive
 * @param windowEnd the window's end, exclusive
 * @param count the number of events
 * @param sum the sum of their values
 * @param min the smallest value
 * @param max the largest value
 */
public record WindowedAggregate(String key, Instant windowStart, Instant windowEnd, long count,
    double sum, double min, double max) {

  /**
   * Checks the components.
   *
   * @throws NullPointerException if a component is null
   */
  public WindowedAggregate {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(windowStart, "windowStart");
    Objects.requireNonNull(windowEnd, "windowEnd");
  }

  /**
   * Builds a result from an aggregate.
   *
   * @param key the key
   * @param windowStartMillis the window's start, epoch millis
   * @param windowEndMillis the window's end, epoch millis
   * @param aggregate the aggregate
   * @return the result
   */
  public static WindowedAggregate of(String key, long windowStartMillis, long windowEndMillis,
      Aggregate aggregate) {
    return new WindowedAggregate(key, Instant.ofEpochMilli(windowStartMillis),
        Instant.ofEpochMilli(windowEndMillis), aggregate.count(), aggregate.sum(), aggregate.min(),
        aggregate.max());
  }

  /**
   * Returns the mean value.
   *
   * @return {@code sum / count}
   */
  public double mean() {
    return sum / count;
  }
}
