package dev.layerkit.events;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.hash.Hashing;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.events.internal.EventDispatcher;
import dev.layerkit.events.internal.EventHeaders;
import dev.layerkit.events.internal.EventMetrics;
import dev.layerkit.events.internal.TopicNames;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * An event bus in this JVM with Kafka's model: topics of N partitions, a key chooses the
 * partition, a retained log per partition, committed offsets per consumer group, and groups whose
 * members split the partitions. For development, tests and single-process use; for more, the same
 * code runs on Kafka ({@code dev.layerkit.events.kafka}).
 *
 * <p>Payloads are stored encoded, so that what works here (and what fails to encode or decode)
 * behaves as on Kafka. Topics are created on first use with {@link Builder#partitions(int)}
 * partitions, or explicitly with {@link #createTopic(String, int)}.
 *
 * <p>Retention and backpressure: each partition keeps at most {@link Builder#retention(int)}
 * records. When it is full, the oldest record is dropped if every group with members has handled
 * it (or no group has members); otherwise {@code publish} waits for the slowest group for up to
 * {@link Builder#publishTimeout(Duration)}, then fails with {@link EventPublishException}. Memory
 * is therefore bounded by {@code topics × partitions × retention} records.
 *
 * <p>Delivery is at least once and, while members keep running, exactly once per group: each
 * member commits after each handled record, and a partition moves to another member only between
 * records. Publishing is synchronous: the returned future is already complete.
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
public final class InMemoryEventBus implements AutoCloseable {

  /** Default partitions of a topic created on first use: {@value}. */
  public static final int DEFAULT_PARTITIONS = 4;

  /** Default records retained per partition: {@value}. */
  public static final int DEFAULT_RETENTION = 10_000;

  /** Default longest wait of a publish for room in a full partition: 5 s. */
  public static final Duration DEFAULT_PUBLISH_TIMEOUT = Duration.ofSeconds(5);

  /** Default longest wait of {@link Subscription#close()} for the handler: 30 s. */
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

  private final int defaultPartitions;
  private final int retention;
  private final Duration publishTimeout;
  private final Duration drainTimeout;
  private final TimeSource time;
  private final EventMetrics metrics;
  private final ConcurrentMap<String, MemTopic> topics = new ConcurrentHashMap<>();
  private final List<MemSubscriber<?>> subscribers = new ArrayList<>();
  private final AtomicInteger threadIds = new AtomicInteger();

  private InMemoryEventBus(Builder builder) {
    this.defaultPartitions = builder.partitions;
    this.retention = builder.retention;
    this.publishTimeout = builder.publishTimeout;
    this.drainTimeout = builder.drainTimeout;
    this.time = builder.time;
    this.metrics = new EventMetrics(builder.meterRegistry, "memory");
  }

  static Builder builder() {
    return new Builder();
  }

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
  public void createTopic(String topic, int partitions) {
    TopicNames.check(topic);
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be >= 1 but was " + partitions);
    }
    MemTopic existing = topics.computeIfAbsent(topic, t -> new MemTopic(t, partitions, retention));
    if (existing.partitionCount() != partitions) {
      throw new IllegalStateException("topic '" + topic + "' exists with "
          + existing.partitionCount() + " partitions, not " + partitions);
    }
  }

  /**
   * Returns the number of partitions of a topic, creating it with the default if it is new.
   *
   * @param topic the topic
   * @return the partitions
   * @throws IllegalArgumentException if {@code topic} breaks a naming rule
   */
  public int partitions(String topic) {
    return topic(topic).partitionCount();
  }

  /**
   * Returns the offset the next record of a partition will get.
   *
   * @param topic the topic
   * @param partition the partition
   * @return the end offset
   * @throws IllegalArgumentException if {@code topic} breaks a naming rule or the partition does
   *     not exist
   */
  public long endOffset(String topic, int partition) {
    return partitionOf(topic, partition).endOffset();
  }

  /**
   * Returns the offset of the oldest retained record of a partition.
   *
   * @param topic the topic
   * @param partition the partition
   * @return the beginning offset
   * @throws IllegalArgumentException if {@code topic} breaks a naming rule or the partition does
   *     not exist
   */
  public long beginningOffset(String topic, int partition) {
    return partitionOf(topic, partition).beginningOffset();
  }

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
  public long committedOffset(String topic, String group, int partition) {
    partitionOf(topic, partition);
    MemGroup g = topic(topic).existingGroup(group);
    return g == null ? 0 : g.committed(partition);
  }

  /**
   * Returns a publisher of payloads encoded by {@code codec}.
   *
   * @param codec the payload codec
   * @param <T> the payload type
   * @return the publisher; closing it does not close the bus
   * @throws NullPointerException if {@code codec} is null
   */
  public <T> EventPublisher<T> publisher(Codec<T> codec) {
    return new MemPublisher<>(this, Objects.requireNonNull(codec, "codec"));
  }

  /**
   * Returns a subscriber that decodes with {@code codec} and retries with {@link
   * RetryPolicy#ofDefaults()}.
   *
   * @param codec the payload codec
   * @param <T> the payload type
   * @return the subscriber
   * @throws NullPointerException if {@code codec} is null
   */
  public <T> EventSubscriber<T> subscriber(Codec<T> codec) {
    return subscriber(codec, RetryPolicy.ofDefaults());
  }

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
  public <T> EventSubscriber<T> subscriber(Codec<T> codec, RetryPolicy retryPolicy) {
    MemSubscriber<T> subscriber = new MemSubscriber<>(this,
        Objects.requireNonNull(codec, "codec"), Objects.requireNonNull(retryPolicy, "retryPolicy"));
    synchronized (subscribers) {
      subscribers.add(subscriber);
    }
    return subscriber;
  }

  /** Closes every subscriber made by this bus, each draining its subscriptions. */
  @Override
  public void close() {
    List<MemSubscriber<?>> all;
    synchronized (subscribers) {
      all = new ArrayList<>(subscribers);
      subscribers.clear();
    }
    all.forEach(MemSubscriber::close);
  }

  MemTopic topic(String topic) {
    MemTopic existing = topics.get(topic);
    if (existing != null) {
      return existing;
    }
    TopicNames.check(topic);
    return topics.computeIfAbsent(topic, t -> new MemTopic(t, defaultPartitions, retention));
  }

  private MemPartition partitionOf(String topic, int partition) {
    MemTopic t = topic(topic);
    if (partition < 0 || partition >= t.partitionCount()) {
      throw new IllegalArgumentException("partition must be in [0, " + t.partitionCount()
          + ") but was " + partition);
    }
    return t.partition(partition);
  }

  /** Appends an encoded record: the one path of publishers and dead-letter sends. */
  CompletableFuture<PublishReceipt> append(
      String topicName, String key, byte[] value, Map<String, String> headers,
      @Nullable String eventId, long timestamp) {
    MemTopic topic = topic(topicName);
    int partition = (int) Math.floorMod(Hashing.hash(key), (long) topic.partitionCount());
    long offset;
    try {
      offset = topic.partition(partition).append(key, timestamp, headers, value,
          publishTimeout.toNanos());
    } catch (EventPublishException e) {
      metrics.publishFailed(topicName);
      return CompletableFuture.failedFuture(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      metrics.publishFailed(topicName);
      return CompletableFuture.failedFuture(EventPublishException.interrupted(topicName, e));
    }
    topic.appended(partition);
    metrics.published(topicName);
    return CompletableFuture.completedFuture(
        new PublishReceipt(eventId, topicName, partition, offset, timestamp));
  }

  EventMetrics metrics() {
    return metrics;
  }

  <T> MemSubscription<T> subscribe(
      String topicName, String group, EventHandler<T> handler, Codec<T> codec, RetryPolicy policy) {
    MemTopic topic = topic(topicName);
    TopicNames.checkGroup(group);
    Objects.requireNonNull(handler, "handler");
    EventDispatcher<T> dispatcher = new EventDispatcher<>(codec, handler, policy,
        (deadLetterTopic, original, headers) ->
            append(deadLetterTopic, original.key(), original.value(), headers, original.eventId(),
                original.timestampMillis()).join(),
        time, group, metrics);
    MemSubscription<T> subscription = new MemSubscription<>(topic, topic.group(group), dispatcher,
        drainTimeout, "layerkit-events-memory-" + topicName + '-' + group + '-'
            + threadIds.incrementAndGet());
    subscription.start();
    return subscription;
  }

  static Map<String, String> withEventId(Map<String, String> headers, @Nullable String eventId) {
    EventHeaders.checkApplicationHeaders(headers);
    if (eventId == null) {
      return headers.isEmpty() ? Map.of() : Map.copyOf(headers);
    }
    if (headers.isEmpty()) {
      return Map.of(EventHeaders.EVENT_ID, eventId);
    }
    Map<String, String> all = new HashMap<>(headers);
    all.put(EventHeaders.EVENT_ID, eventId);
    return Map.copyOf(all);
  }

  Instant now() {
    return Instant.ofEpochMilli(time.epochMillis());
  }

  static String checkEventId(String eventId) {
    return Arguments.notBlank(eventId, "eventId");
  }

  /**
   * Builds an {@link InMemoryEventBus}; start with {@link EventBuses#inMemory()}. Not thread-safe.
   */
  public static final class Builder {

    private int partitions = DEFAULT_PARTITIONS;
    private int retention = DEFAULT_RETENTION;
    private Duration publishTimeout = DEFAULT_PUBLISH_TIMEOUT;
    private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
    private TimeSource time = TimeSource.system();
    private @Nullable MeterRegistry meterRegistry;

    private Builder() {}

    /**
     * Sets the partitions of topics created on first use.
     *
     * @param partitions at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code partitions} is less than 1
     */
    public Builder partitions(int partitions) {
      if (partitions < 1) {
        throw new IllegalArgumentException("partitions must be >= 1 but was " + partitions);
      }
      this.partitions = partitions;
      return this;
    }

    /**
     * Sets how many records each partition retains, the bound of its memory and of how far a
     * group may fall behind before publishers wait.
     *
     * @param retention records per partition, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code retention} is less than 1
     */
    public Builder retention(int retention) {
      if (retention < 1) {
        throw new IllegalArgumentException("retention must be >= 1 but was " + retention);
      }
      this.retention = retention;
      return this;
    }

    /**
     * Sets how long a publish waits for room in a full partition before it fails.
     *
     * @param publishTimeout zero (fail at once) or more
     * @return this builder
     * @throws NullPointerException if {@code publishTimeout} is null
     * @throws IllegalArgumentException if it is negative
     */
    public Builder publishTimeout(Duration publishTimeout) {
      this.publishTimeout = Arguments.notNegative(publishTimeout, "publishTimeout");
      return this;
    }

    /**
     * Sets how long {@link Subscription#close()} waits for the handler to finish its batch.
     *
     * @param drainTimeout more than zero
     * @return this builder
     * @throws NullPointerException if {@code drainTimeout} is null
     * @throws IllegalArgumentException if it is zero or negative
     */
    public Builder drainTimeout(Duration drainTimeout) {
      this.drainTimeout = Arguments.positive(drainTimeout, "drainTimeout");
      return this;
    }

    /**
     * Sets the clock of event timestamps and retry backoff; meant for tests ({@code
     * ManualTimeSource}).
     *
     * @param timeSource the clock
     * @return this builder
     * @throws NullPointerException if {@code timeSource} is null
     */
    public Builder timeSource(TimeSource timeSource) {
      this.time = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    /**
     * Records {@code layerkit.events.*} counters (tags {@code backend=memory}, {@code topic},
     * {@code group}). Costs a map lookup and an add per event.
     *
     * @param meterRegistry the registry
     * @return this builder
     * @throws NullPointerException if {@code meterRegistry} is null
     */
    public Builder meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
      return this;
    }

    /**
     * Builds the bus.
     *
     * @return the bus, thread-safe
     */
    public InMemoryEventBus build() {
      return new InMemoryEventBus(this);
    }
  }
}
