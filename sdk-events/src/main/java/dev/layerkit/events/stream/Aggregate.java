package dev.layerkit.events.stream;

/**
 * The aggregate of one key in one window: how many events, and the sum, minimum and maximum of
 * their values. Immutable; {@link #add(double)} returns a new aggregate.
 *
 * @param count the number of events
 * @param sum the sum of their values
 * @param min the smallest value ({@code +Infinity} when empty)
 * @param max the largest value ({@code -Infinity} when empty)
 */
public record Aggregate(long count, double sum, double min, double max) {

  private static final Aggregate EMPTY =
      new Aggregate(0, 0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY);

  /**
   * Returns the aggregate of no events.
   *
   * @return the empty aggregate
   */
  public static Aggregate empty() {
    return EMPTY;
  }

  /**
   * Returns this aggregate with one more event of {@code value}.
   *
   * @param value the event's value
   * @return the new aggregate
   */
  public Aggregate add(double value) {
    return new Aggregate(count + 1, sum + value, Math.min(min, value), Math.max(max, value));
  }
}
