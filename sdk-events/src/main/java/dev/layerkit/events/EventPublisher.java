package dev.layerkit.events;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Publishes events to topics. Events with the same key go to the same partition, so that one
 * publisher thread's events for a key are delivered in the order it published them.
 *
 * <p>Implementations are thread-safe: many threads may publish at once.
 *
 * <p>Failure: arguments that are wrong in themselves fail at once ({@link NullPointerException},
 * {@link IllegalArgumentException} for a topic name that breaks a rule, which the message names);
 * everything else, including a payload the codec cannot encode, completes the returned future
 * exceptionally with an {@link EventPublishException}, and then nothing was sent.
 *
 * <pre>{@code
 * try (EventPublisher<Order> publisher = bus.publisher(Codecs.json(Order.class))) {
 *   publisher.publish("orders", order.id(), order)
 *       .thenAccept(receipt -> log.info("stored at {}", receipt.offset()));
 * }
 * }</pre>
 *
 * @param <T> the payload type
 */
public interface EventPublisher<T> extends AutoCloseable {

  /**
   * Publishes an event without application headers; see {@link #publish(String, String, Object,
   * Map)}.
   *
   * @param topic the topic, a legal topic name
   * @param key the key that chooses the partition
   * @param payload the payload, encoded with the publisher's codec
   * @return a future completed with the receipt once the event is stored (for Kafka: acknowledged
   *     by all in-sync replicas), or exceptionally with an {@link EventPublishException}
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code topic} is not a legal topic name
   */
  default CompletableFuture<PublishReceipt> publish(String topic, String key, T payload) {
    return publish(topic, key, payload, Map.of());
  }

  /**
   * Publishes an event with the current event time and the given headers. Its id is its place in
   * the log ({@code <topic>-<partition>@<offset>}), known once it is stored: {@link
   * PublishReceipt#eventId()}.
   *
   * <p>May block the calling thread when the backend's buffer is full (the in-memory bus's
   * partition, the Kafka producer's buffer memory), for at most the publisher's configured timeout;
   * after it the future fails.
   *
   * @param topic the topic, a legal topic name
   * @param key the key that chooses the partition
   * @param payload the payload, encoded with the publisher's codec
   * @param headers application headers; names starting with {@code layerkit.} are reserved
   * @return a future completed with the receipt once the event is stored, or exceptionally with an
   *     {@link EventPublishException}
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code topic} is not a legal topic name, or a header name is
   *     reserved
   */
  CompletableFuture<PublishReceipt> publish(
      String topic, String key, T payload, Map<String, String> headers);

  /**
   * Publishes an event whose id and event time the caller fixes: for relays that publish what was
   * recorded earlier, such as the {@code dev.layerkit.events.outbox} relay, so that a republish
   * after a crash carries the same id and a downstream {@link IdempotencyStore} sees one event.
   * Otherwise as {@link #publish(String, String, Object, Map)}.
   *
   * @param eventId the event's id, not blank
   * @param timestamp the event time
   * @param topic the topic, a legal topic name
   * @param key the key that chooses the partition
   * @param payload the payload, encoded with the publisher's codec
   * @param headers application headers; names starting with {@code layerkit.} are reserved
   * @return a future completed with the receipt once the event is stored, or exceptionally with an
   *     {@link EventPublishException}
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code eventId} is blank, {@code topic} is not a legal
   *     topic name, or a header name is reserved
   */
  CompletableFuture<PublishReceipt> publishWithId(String eventId, java.time.Instant timestamp,
      String topic, String key, T payload, Map<String, String> headers);

  /**
   * Blocks until every event published before this call is stored or has failed.
   *
   * @throws EventPublishException if the thread is interrupted while waiting
   */
  void flush();

  /**
   * Flushes, then releases the publisher's resources. Later publishes fail with an {@link
   * EventPublishException}. Idempotent.
   */
  @Override
  void close();
}
