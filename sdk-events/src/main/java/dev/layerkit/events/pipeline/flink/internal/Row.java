package dev.layerkit.events.pipeline.flink.internal;

import dev.layerkit.events.stream.Aggregate;
import dev.layerkit.events.stream.WindowedAggregate;

/**
 * A window's aggregate on its way to the sink, and the accumulator of the streaming aggregation:
 * a Flink POJO. Its arithmetic is {@link Aggregate#add}'s, starting from {@link Aggregate#empty()},
 * so that the same values in the same order give the same doubles bit for bit.
 */
public final class Row {

  /** The group. */
  public String key = "";
  /** The window's start, epoch millis. */
  public long windowStart;
  /** The window's end, epoch millis. */
  public long windowEnd;
  /** Values aggregated. */
  public long count;
  /** Their sum. */
  public double sum;
  /** Their minimum. */
  public double min = Aggregate.empty().min();
  /** Their maximum. */
  public double max = Aggregate.empty().max();

  /** Creates an empty row, for Flink's serializer. */
  public Row() {}

  /**
   * Adds one value, as {@link Aggregate#add} does.
   *
   * @param value the value
   * @return this row
   */
  public Row add(double value) {
    count++;
    sum += value;
    min = Math.min(min, value);
    max = Math.max(max, value);
    return this;
  }

  /**
   * Returns the row as the sinks take it.
   *
   * @return the aggregate
   */
  public WindowedAggregate toAggregate() {
    return WindowedAggregate.of(key, windowStart, windowEnd, new Aggregate(count, sum, min, max));
  }

  @Override
  public String toString() {
    return "Row{" + key + '@' + windowStart + ": " + count + '/' + sum + '}';
  }
}
