package dev.layerkit.events;

import dev.layerkit.core.internal.Arguments;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

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
 * <p>Immutable and thread-safe if the payload is.
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
}
