package dev.layerkit.events;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.events.internal.EventIds;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One event as a handler receives it: the envelope (id, topic, key, event time, headers) around a
 * decoded payload, with where it sits in the log (partition and offset).
 *
 * <p>The id is the one given to {@link EventPublisher#publishWithId} (the outbox relay's), else
 * the event's place in the log, {@code <topic>-<partition>@<offset>}: unique while the topic
 * exists, the same on every redelivery, and carried to the dead-letter topic. It is the key for an
 * {@link IdempotencyStore}. Events with the same key go to the same partition and are delivered in
 * the order they were published by one publisher thread.
 *
 * <p>Immutable and thread-safe if the payload is. Two events are equal when all their components
 * (as their accessors return them) are.
 *
 * <p>Cost: a subscriber delivers an event whose id is its place in the log without building that
 * id; {@link #id()} builds it on each call (a string of about 56 bytes), so a handler that never
 * asks for the id allocates nothing for it.
 *
 * @param id the event's unique id
 * @param topic the topic it was published to
 * @param key the key that chose its partition
 * @param timestamp its event time, set by the publisher from its {@code TimeSource}
 * @param headers application and Layerkit headers, read-only
 * @param payload the decoded payload
 * @param partition the partition it was read from
 * @param offset its offset in that partition
 * @param <T> the payload type
 */
public record Event<T>(
    String id,
    String topic,
    String key,
    Instant timestamp,
    Map<String, String> headers,
    T payload,
    int partition,
    long offset) {

  /**
   * Checks the components and copies the headers.
   *
   * @throws NullPointerException if any component is null
   * @throws IllegalArgumentException if {@code partition} or {@code offset} is negative
   */
  public Event {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(timestamp, "timestamp");
    headers = Map.copyOf(Objects.requireNonNull(headers, "headers"));
    Objects.requireNonNull(payload, "payload");
    Arguments.notNegative(partition, "partition");
    Arguments.notNegative(offset, "offset");
  }

  /**
   * Returns the event's unique id: the one it was published with, else its place in the log,
   * {@code <topic>-<partition>@<offset>}.
   *
   * @return the id
   */
  @Override
  public String id() {
    String own = id;
    return own != EventIds.AT_POSITION ? own : EventIds.fromPosition(topic, partition, offset);
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof Event<?> that && partition == that.partition && offset == that.offset
        && topic.equals(that.topic) && key.equals(that.key) && timestamp.equals(that.timestamp)
        && headers.equals(that.headers) && payload.equals(that.payload) && id().equals(that.id());
  }

  @Override
  public int hashCode() {
    return Objects.hash(id(), topic, key, timestamp, headers, payload, partition, offset);
  }

  @Override
  public String toString() {
    return "Event[id=" + id() + ", topic=" + topic + ", key=" + key + ", timestamp=" + timestamp
        + ", headers=" + headers + ", payload=" + payload + ", partition=" + partition
        + ", offset=" + offset + ']';
  }
}
