package dev.layerkit.events;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.events.internal.EventIds;
import dev.layerkit.events.internal.Receipts;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The {@link PublishReceipt} of {@link PublishReceipt#of}: five values, the id of an event without
 * an id of its own ({@code <topic>-<partition>@<offset>}) and the {@link Instant} built when asked
 * for. Immutable; equal to another {@code ValueReceipt} with the same five values.
 */
final class ValueReceipt implements PublishReceipt {

  private final @Nullable String eventId;
  private final String topic;
  private final int partition;
  private final long offset;
  private final long timestampMillis;

  ValueReceipt(@Nullable String eventId, String topic, int partition, long offset,
      long timestampMillis) {
    this.eventId = eventId;
    this.topic = Objects.requireNonNull(topic, "topic");
    Arguments.notNegative(partition, "partition");
    Arguments.notNegative(offset, "offset");
    this.partition = partition;
    this.offset = offset;
    this.timestampMillis = timestampMillis;
  }

  @Override
  public String eventId() {
    String id = eventId;
    return id != null ? id : EventIds.fromPosition(topic, partition, offset);
  }

  @Override
  public String topic() {
    return topic;
  }

  @Override
  public int partition() {
    return partition;
  }

  @Override
  public long offset() {
    return offset;
  }

  @Override
  public Instant timestamp() {
    return Instant.ofEpochMilli(timestampMillis);
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof ValueReceipt that && partition == that.partition
        && offset == that.offset && timestampMillis == that.timestampMillis
        && topic.equals(that.topic) && eventId().equals(that.eventId());
  }

  @Override
  public int hashCode() {
    return Objects.hash(topic, partition, offset);
  }

  @Override
  public String toString() {
    return Receipts.toString(this);
  }
}
