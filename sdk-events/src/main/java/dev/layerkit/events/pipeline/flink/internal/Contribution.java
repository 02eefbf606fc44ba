package dev.layerkit.events.pipeline.flink.internal;

/**
 * One record's value for one of its windows, as the plan operator accepted it: a Flink POJO
 * (public fields, no-argument constructor) so that Flink serializes it without Kryo.
 */
public final class Contribution {

  /** The group. */
  public String key = "";
  /** The window's start, epoch millis. */
  public long windowStart;
  /** The value to aggregate. */
  public double value;
  /** The record's place in the source's order, from 1: the window adds values in this order. */
  public long seq;
  /** The record's event time, epoch millis. */
  public long timestamp;

  /** Creates an empty contribution, for Flink's serializer. */
  public Contribution() {}

  /**
   * Creates a contribution.
   *
   * @param key the group
   * @param windowStart the window's start
   * @param value the value
   * @param seq the record's place in the source's order
   * @param timestamp the event time
   */
  public Contribution(String key, long windowStart, double value, long seq, long timestamp) {
    this.key = key;
    this.windowStart = windowStart;
    this.value = value;
    this.seq = seq;
    this.timestamp = timestamp;
  }

  @Override
  public String toString() {
    return "Contribution{" + key + '@' + windowStart + ": " + value + " #" + seq + '}';
  }
}
