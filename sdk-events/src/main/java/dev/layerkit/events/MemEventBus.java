package dev.layerkit.events;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.hash.Hashing;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.events.internal.EventDispatcher;
import dev.layerkit.events.internal.EventHeaders;
import dev.layerkit.events.internal.EventMetrics;
import dev.layerkit.events.internal.TopicNames;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
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
 * The in-memory bus of {@link EventBuses#inMemory()}; see {@link InMemoryEventBus} for its model.
 *
 * <p>Design: a map of {@link MemTopic}s, each an array of {@link MemPartition} logs with their
 * {@link MemGroup}s; publishers {@link #append} under a partition's lock, and each {@link
 * MemSubscription} is a thread that reads its partitions from its group's committed offsets.
 * Thread-safe.
 */
final class MemEventBus implements InMemoryEventBus {

  private final int defaultPartitions;
  private final int retention;
  private final long publishTimeoutNanos;
  private final Duration drainTimeout;
  private final TimeSource time;
  private final EventMetrics metrics;
  private final ConcurrentMap<String, MemTopic> topics = new ConcurrentHashMap<>();
  private final List<MemSubscriber<?>> subscribers = new ArrayList<>();
  private final AtomicInteger threadIds = new AtomicInteger();

  MemEventBus(int partitions, int retention, Duration publishTimeout, Duration drainTimeout,
      TimeSource time, @Nullable MeterRegistry meterRegistry, ObservationRegistry observations) {
    this.defaultPartitions = partitions;
    this.retention = retention;
    this.publishTimeoutNanos = publishTimeout.toNanos();
    this.drainTimeout = drainTimeout;
    this.time = time;
    this.metrics = new EventMetrics(meterRegistry, "memory", observations);
  }

  @Override
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

  @Override
  public int partitions(String topic) {
    return topic(topic).partitionCount();
  }

  @Override
  public long endOffset(String topic, int partition) {
    return partitionOf(topic, partition).endOffset();
  }

  @Override
  public long beginningOffset(String topic, int partition) {
    return partitionOf(topic, partition).beginningOffset();
  }

  @Override
  public long committedOffset(String topic, String group, int partition) {
    partitionOf(topic, partition);
    MemGroup g = topic(topic).existingGroup(group);
    return g == null ? 0 : g.committed(partition);
  }

  @Override
  public <T> EventPublisher<T> publisher(Codec<T> codec) {
    return new MemPublisher<>(this, Objects.requireNonNull(codec, "codec"));
  }

  @Override
  public <T> EventSubscriber<T> subscriber(Codec<T> codec) {
    return subscriber(codec, RetryPolicy.ofDefaults());
  }

  @Override
  public <T> EventSubscriber<T> subscriber(Codec<T> codec, RetryPolicy retryPolicy) {
    MemSubscriber<T> subscriber = new MemSubscriber<>(this,
        Objects.requireNonNull(codec, "codec"), Objects.requireNonNull(retryPolicy, "retryPolicy"));
    synchronized (subscribers) {
      subscribers.add(subscriber);
    }
    return subscriber;
  }

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
    int partition = partitionFor(topic, key);
    long offset;
    try {
      offset = appendTo(topic, partition, key, value, headers, timestamp);
    } catch (EventPublishException e) {
      return CompletableFuture.failedFuture(e);
    }
    return CompletableFuture.completedFuture(
        PublishReceipt.of(eventId, topicName, partition, offset, timestamp));
  }

  /**
   * Appends an encoded record as {@link #append} does but makes no receipt: a failure is thrown.
   *
   * @throws EventPublishException if the partition stayed full or the thread was interrupted
   */
  void appendOrThrow(String topicName, String key, byte[] value, Map<String, String> headers,
      long timestamp) {
    MemTopic topic = topic(topicName);
    appendTo(topic, partitionFor(topic, key), key, value, headers, timestamp);
  }

  private static int partitionFor(MemTopic topic, String key) {
    int count = topic.partitionCount();
    // One partition needs no hash (every key maps to 0); the key was checked for null already.
    return count == 1 ? 0 : (int) Math.floorMod(Hashing.hash(key), (long) count);
  }

  private long appendTo(MemTopic topic, int partition, String key, byte[] value,
      Map<String, String> headers, long timestamp) {
    long offset;
    try {
      offset = topic.partition(partition).append(key, timestamp, headers, value,
          publishTimeoutNanos);
    } catch (EventPublishException e) {
      metrics.publishFailed(topic.name());
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      metrics.publishFailed(topic.name());
      throw EventPublishException.interrupted(topic.name(), e);
    }
    topic.appended(partition);
    metrics.published(topic.name());
    return offset;
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

  /** Adds the caller's event id to headers that the publisher has checked. */
  static Map<String, String> withEventId(Map<String, String> headers, @Nullable String eventId) {
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

  long nowMillis() {
    return time.epochMillis();
  }

  @Override
  public String toString() {
    return "InMemoryEventBus{partitions=" + defaultPartitions + ", retention=" + retention
        + ", topics=" + topics.keySet() + '}';
  }
}
