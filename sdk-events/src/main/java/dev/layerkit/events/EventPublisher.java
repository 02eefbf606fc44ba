package dev.layerkit.events;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

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
   * Publishes an event without application headers and without a receipt: for callers that do not
   * look at each event's outcome and would otherwise drop {@link #publish}'s future. What is
   * stored is the same as {@link #publish(String, String, Object)} stores (the same id, time,
   * partition and headers); only the receipt and its future are not made, which on the in-memory
   * bus makes a publish allocate nothing beyond what the codec does, and on Kafka saves a future
   * and a receipt per event.
   *
   * <p>Failure: a failure known before the call returns is thrown, as an {@link
   * EventPublishException} (the publisher is closed, the codec failed, the in-memory partition
   * stayed full for the publish timeout, Kafka's buffer stayed full for {@code max.block.ms});
   * arguments fail as for {@link #publish}. A failure known only later (Kafka: the broker did not
   * acknowledge) is counted in {@code layerkit.events.publish.failed} and reported by the
   * backend's health check, but reaches no caller: use {@link #publish} when each event's fate
   * matters, and {@link #flush()} to wait for everything sent so far.
   *
   * <p>This default publishes with {@link #publish(String, String, Object)} and throws if the
   * future it returns has already failed; Layerkit's backends override it to skip the future.
   *
   * @param topic the topic, a legal topic name
   * @param key the key that chooses the partition
   * @param payload the payload, encoded with the publisher's codec
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code topic} is not a legal topic name
   * @throws EventPublishException if the event is known not to be stored when the call returns
   */
  default void publishAndForget(String topic, String key, T payload) {
    CompletableFuture<PublishReceipt> stored = publish(topic, key, payload);
    if (stored.isCompletedExceptionally()) {
      try {
        stored.join();
      } catch (CompletionException e) {
        if (e.getCause() instanceof EventPublishException failure) {
          throw failure;
        }
        throw e;
      }
    }
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
