package dev.layerkit.events;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.events.internal.EventIds;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where a published event was stored: its topic, partition and offset, with its id and event time.
 *
 * <p>Made on the publisher's acknowledgement path (for Kafka, the producer's I/O thread), so it is
 * cheap to make: the id of an event without an id of its own ({@code <topic>-<partition>@<offset>})
 * and the {@link Instant} are built when first asked for. Immutable and thread-safe; equal when
 * all five values are.
 */
public final class PublishReceipt {

  private final @Nullable String eventId;
  private final String topic;
  private final int partition;
  private final long offset;
  private final long timestampMillis;

  /**
   * Creates a receipt.
   *
   * @param eventId the event's own id, or null if its id is its place in the log
   * @param topic the topic
   * @param partition the partition
   * @param offset the offset
   * @param timestampMillis the event time, epoch milliseconds
   * @throws NullPointerException if {@code topic} is null
   * @throws IllegalArgumentException if {@code partition} or {@code offset} is negative
   */
  public PublishReceipt(@Nullable String eventId, String topic, int partition, long offset,
      long timestampMillis) {
    this.eventId = eventId;
    this.topic = Objects.requireNonNull(topic, "topic");
    Arguments.notNegative(partition, "partition");
    Arguments.notNegative(offset, "offset");
    this.partition = partition;
    this.offset = offset;
    this.timestampMillis = timestampMillis;
  }

  /**
   * Returns the id the event carries ({@link Event#id()}).
   *
   * @return the id
   */
  public String eventId() {
    String id = eventId;
    return id != null ? id : EventIds.fromPosition(topic, partition, offset);
  }

  /**
   * Returns the topic.
   *
   * @return the topic
   */
  public String topic() {
    return topic;
  }

  /**
   * Returns the partition the key chose.
   *
   * @return the partition
   */
  public int partition() {
    return partition;
  }

  /**
   * Returns the event's offset in its partition.
   *
   * @return the offset
   */
  public long offset() {
    return offset;
  }

  /**
   * Returns the event time.
   *
   * @return the time, millisecond precision
   */
  public Instant timestamp() {
    return Instant.ofEpochMilli(timestampMillis);
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof PublishReceipt that && partition == that.partition
        && offset == that.offset && timestampMillis == that.timestampMillis
        && topic.equals(that.topic) && eventId().equals(that.eventId());
  }

  @Override
  public int hashCode() {
    return Objects.hash(topic, partition, offset);
  }

  @Override
  public String toString() {
    return "PublishReceipt[eventId=" + eventId() + ", topic=" + topic + ", partition=" + partition
        + ", offset=" + offset + ", timestamp=" + timestamp() + ']';
  }
}
