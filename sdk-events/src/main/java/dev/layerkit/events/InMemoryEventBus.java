package dev.layerkit.events;

import dev.layerkit.core.codec.Codec;
import java.time.Duration;

/**
 * An event bus in this JVM with Kafka's model: topics of N partitions, a key chooses the
 * partition, a retained log per partition, committed offsets per consumer group, and groups whose
 * members split the partitions. For development, tests and single-process use; for more, the same
 * code runs on Kafka ({@code dev.layerkit.events.kafka}). Build one with {@link
 * EventBuses#inMemory()}.
 *
 * <p>Payloads are stored encoded, so that what works here (and what fails to encode or decode)
 * behaves as on Kafka. Topics are created on first use with {@link
 * EventBuses.InMemoryBuilder#partitions(int)} partitions, or explicitly with {@link
 * #createTopic(String, int)}.
 *
 * <p>Retention and backpressure: each partition keeps at most {@link
 * EventBuses.InMemoryBuilder#retention(int)} records. When it is full, the oldest record is
 * dropped if every group with members has handled it (or no group has members); otherwise {@code
 * publish} waits for the slowest group for up to {@link
 * EventBuses.InMemoryBuilder#publishTimeout(Duration)}, then fails with {@link
 * EventPublishException}. Memory is therefore bounded by {@code topics × partitions × retention}
 * records.
 *
 * <p>Delivery is at least once and, while members keep running, exactly once per group: each
 * member commits after each batch of handled records, and a partition moves to another member
 * only between batches. Publishing is synchronous: the returned future is already complete. A {@link
 * Subscription} is {@linkplain Subscription#assigned() assigned} when {@code subscribe} returns.
 *
 * <p>Thread-safe. {@link #close()} closes every subscription.
 *
 * <pre>{@code
 * InMemoryEventBus bus = EventBuses.inMemory().partitions(8).build();
 * EventPublisher<Order> publisher = bus.publisher(Codecs.json(Order.class));
 * EventSubscriber<Order> subscriber = bus.subscriber(Codecs.json(Order.class));
 * subscriber.subscribe("orders", "billing", event -> billing.charge(event.payload()));
 * publisher.publish("orders", order.id(), order);
 * }</pre>
 */
public interface InMemoryEventBus extends AutoCloseable {

  /**
   * Creates a topic with {@code partitions} partitions, or does nothing if it exists with that
   * many.
   *
   * @param topic the topic, a legal topic name
   * @param partitions at least 1
   * @throws IllegalArgumentException if {@code topic} breaks a naming rule or {@code partitions} is
   *     less than 1
   * @throws IllegalStateException if the topic exists with another number of partitions
   */
  void createTopic(String topic, int partitions);

  /**
   * Returns the number of partitions of a topic, creating it with the default if it is new.
   *
   * @param topic the topic
   * @return the partitions
   * @throws IllegalArgumentException if {@code topic} breaks a naming rule
   */
  int partitions(String topic);

  /**
   * Returns the offset the next record of a partition will get.
   *
   * @param topic the topic
   * @param partition the partition
   * @return the end offset
   * @throws IllegalArgumentException if {@code topic} breaks a naming rule or the partition does
   *     not exist
   */
  long endOffset(String topic, int partition);

  /**
   * Returns the offset of the oldest retained record of a partition.
   *
   * @param topic the topic
   * @param partition the partition
   * @return the beginning offset
   * @throws IllegalArgumentException if {@code topic} breaks a naming rule or the partition does
   *     not exist
   */
  long beginningOffset(String topic, int partition);

  /**
   * Returns the offset a group will read next from a partition (0 for a new group).
   *
   * @param topic the topic
   * @param group the group
   * @param partition the partition
   * @return the committed offset
   * @throws IllegalArgumentException if {@code topic} breaks a naming rule or the partition does
   *     not exist
   */
  long committedOffset(String topic, String group, int partition);

  /**
   * Returns a publisher of payloads encoded by {@code codec}.
   *
   * @param codec the payload codec
   * @param <T> the payload type
   * @return the publisher; closing it does not close the bus
   * @throws NullPointerException if {@code codec} is null
   */
  <T> EventPublisher<T> publisher(Codec<T> codec);

  /**
   * Returns a subscriber that decodes with {@code codec} and retries with {@link
   * RetryPolicy#ofDefaults()}.
   *
   * @param codec the payload codec
   * @param <T> the payload type
   * @return the subscriber
   * @throws NullPointerException if {@code codec} is null
   */
  <T> EventSubscriber<T> subscriber(Codec<T> codec);

  /**
   * Returns a subscriber that decodes with {@code codec} and retries failing handlers with {@code
   * retryPolicy} before it sends the event to {@code <topic>.DLT} on this bus.
   *
   * @param codec the payload codec
   * @param retryPolicy the retry policy
   * @param <T> the payload type
   * @return the subscriber
   * @throws NullPointerException if an argument is null
   */
  <T> EventSubscriber<T> subscriber(Codec<T> codec, RetryPolicy retryPolicy);

  /** Closes every subscriber made by this bus, each draining its subscriptions. Idempotent. */
  @Override
  void close();
}
