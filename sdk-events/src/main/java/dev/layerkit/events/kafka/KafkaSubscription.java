package dev.layerkit.events.kafka;

import dev.layerkit.core.time.TimeSource;
import dev.layerkit.events.Subscription;
import dev.layerkit.events.internal.EventDispatcher;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kafka group member: a consumer and the thread that polls it.
 *
 * <p>Loop: poll; append each partition's records to its pending queue; deliver each queue's head
 * records until one must wait for a retry; commit what was delivered; pause the partitions with
 * records still pending and resume the others. Everything touching the consumer runs on the one
 * thread ({@code KafkaConsumer} is not thread-safe); {@link #close()} only flags and wakes it.
 *
 * <p>Rebalance: on revoke the delivered offsets are committed and the revoked partitions' pending
 * records and retry states dropped (the next owner fetches from the commit); on loss (the member
 * was evicted) they are dropped without a commit.
 *
 * <p>Observability: the thread refreshes the lag after each poll (before delivering, so that a
 * handler that blocks does not hide it) and again after delivering, from the consumer's fetch
 * metadata ({@code currentLag}, no network call) plus the records fetched but not yet delivered.
 * It also records since when polls have been failing and whether it stopped on an unexpected
 * error. Other threads only read these volatile fields, never the consumer.
 */
final class KafkaSubscription<T> implements Subscription, Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaSubscription.class);
  private static final Duration ERROR_PAUSE = Duration.ofMillis(500);
  private static final long UNKNOWN_LAG = -1;

  private final String topic;
  private final String group;
  private final String clientId;
  private final KafkaConsumer<String, byte[]> consumer;
  private final EventDispatcher<T> dispatcher;
  private final Duration pollTimeout;
  private final Duration drainTimeout;
  private final Thread thread;
  private final TimeSource time;
  private final Consumer<KafkaSubscription<T>> onClose;
  private final Map<TopicPartition, ArrayDeque<ConsumerRecord<String, byte[]>>> pending =
      new HashMap<>();
  private final Map<TopicPartition, EventDispatcher.RetryState> retryStates = new HashMap<>();
  private final Map<TopicPartition, OffsetAndMetadata> delivered = new HashMap<>();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final CompletableFuture<Void> firstAssignment = new CompletableFuture<>();
  /** Set by the first assignment callback; written and read on the consumer thread only. */
  private boolean joined;
  private volatile Set<Integer> assigned = Set.of();
  private volatile boolean running = true;
  private volatile boolean closed;
  private volatile long lag = UNKNOWN_LAG;
  /** The time of the first failed poll since the last good one, or null while polls succeed. */
  private volatile @Nullable Long failingSinceNanos;
  private volatile @Nullable Throwable lastPollFailure;
  /** Why the thread stopped when nobody closed it, or null while it runs or after a close. */
  private volatile @Nullable Throwable death;

  KafkaSubscription(String topic, String group, Map<String, Object> config,
      EventDispatcher<T> dispatcher, Duration pollTimeout, Duration drainTimeout,
      String clientId, TimeSource time, Consumer<KafkaSubscription<T>> onClose) {
    this.topic = topic;
    this.group = group;
    this.clientId = clientId;
    this.time = time;
    this.onClose = onClose;
    this.consumer = new KafkaConsumer<>(config, new StringDeserializer(),
        new ByteArrayDeserializer());
    this.dispatcher = dispatcher;
    this.pollTimeout = pollTimeout;
    this.drainTimeout = drainTimeout;
    this.thread = new Thread(this, clientId);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  @Override
  public void run() {
    try {
      consumer.subscribe(List.of(topic), new Listener());
      while (running) {
        try {
          ConsumerRecords<String, byte[]> records = consumer.poll(pollTimeout);
          if (failingSinceNanos != null) {
            failingSinceNanos = null;
            lastPollFailure = null;
          }
          completeFirstAssignmentOncePositioned();
          for (TopicPartition partition : records.partitions()) {
            pending.computeIfAbsent(partition, p -> new ArrayDeque<>())
                .addAll(records.records(partition));
          }
          refreshLag();
          deliverPending();
          commitDelivered();
          pauseBusyPartitions();
          refreshLag();
        } catch (WakeupException e) {
          // close() woke the poll; the loop condition decides.
        } catch (KafkaException e) {
          LOG.warn("Consumer of group {} on {} failed; polling again in {}", group, topic,
              ERROR_PAUSE, e);
          if (failingSinceNanos == null) {
            failingSinceNanos = time.nanoTime();
          }
          lastPollFailure = e;
          pauseAfterError();
        }
      }
      deliverPending();
      commitDelivered();
    } catch (RuntimeException | Error e) {
      LOG.error("Consumer of group {} on {} stopped", group, topic, e);
      if (!closed) {
        death = e;
      }
      firstAssignment.completeExceptionally(e);
    } finally {
      firstAssignment.completeExceptionally(new IllegalStateException(
          "the subscription of group " + group + " to " + topic + " closed before it was assigned"));
      lag = UNKNOWN_LAG;
      try {
        consumer.close(CloseOptions.timeout(drainTimeout)
            .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
      } catch (RuntimeException e) {
        LOG.warn("Closing the consumer of group {} on {} failed", group, topic, e);
      }
      assigned = Set.of();
      stopped.countDown();
    }
  }

  /**
   * Completes {@link #assigned()} once the member has joined and the position of each of its
   * partitions is known. {@code position} resolves a group's start (its committed offset, or
   * {@code auto.offset.reset}) with a round trip, so that a group starting at the log's end cannot
   * miss an event published after the stage completed; it is bounded by the poll timeout and tried
   * again after the next poll.
   */
  private void completeFirstAssignmentOncePositioned() {
    if (!joined || firstAssignment.isDone()) {
      return;
    }
    try {
      for (TopicPartition partition : consumer.assignment()) {
        consumer.position(partition, pollTimeout);
      }
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      return;
    }
    firstAssignment.complete(null);
  }

  private void refreshLag() {
    long total = 0;
    for (TopicPartition partition : consumer.assignment()) {
      OptionalLong notFetched = consumer.currentLag(partition);
      if (notFetched.isEmpty()) {
        // No end offset or position yet; currentLag has asked the broker for the end offset, so
        // a later refresh knows it. A partial sum would under-report, so say unknown.
        lag = UNKNOWN_LAG;
        return;
      }
      total += notFetched.getAsLong() + fetchedNotDelivered(partition);
    }
    lag = total;
  }

  private long fetchedNotDelivered(TopicPartition partition) {
    ArrayDeque<ConsumerRecord<String, byte[]>> queue = pending.get(partition);
    if (queue == null || queue.isEmpty()) {
      return 0;
    }
    // From the queue, not consumer.position(), which may block to reset an invalid position.
    // Offsets rather than the size, to agree with currentLag on compacted topics; a transaction
    // marker after the last record is in neither count, as it is no event.
    return queue.peekLast().offset() + 1 - queue.peekFirst().offset();
  }

  private void deliverPending() {
    for (Map.Entry<TopicPartition, ArrayDeque<ConsumerRecord<String, byte[]>>> entry
        : pending.entrySet()) {
      TopicPartition partition = entry.getKey();
      ArrayDeque<ConsumerRecord<String, byte[]>> queue = entry.getValue();
      EventDispatcher.RetryState state =
          retryStates.computeIfAbsent(partition, p -> new EventDispatcher.RetryState());
      while (!queue.isEmpty()) {
        ConsumerRecord<String, byte[]> head = queue.peekFirst();
        if (!dispatcher.deliver(KafkaRecords.toRaw(head), state)) {
          break;
        }
        queue.pollFirst();
        delivered.put(partition, new OffsetAndMetadata(head.offset() + 1));
      }
    }
  }

  private void commitDelivered() {
    if (delivered.isEmpty()) {
      return;
    }
    try {
      try {
        consumer.commitSync(delivered);
      } catch (WakeupException e) {
        // A close() woke the consumer outside poll; the flag is spent, so commit again.
        consumer.commitSync(delivered);
      }
    } catch (KafkaException e) {
      // The records stay uncommitted and will be delivered again: at least once.
      LOG.warn("Commit of group {} on {} failed; the events may be delivered again", group, topic,
          e);
    }
    delivered.clear();
  }

  private void pauseBusyPartitions() {
    Set<TopicPartition> busy = new HashSet<>();
    pending.forEach((partition, queue) -> {
      if (!queue.isEmpty()) {
        busy.add(partition);
      }
    });
    Set<TopicPartition> paused = consumer.paused();
    Set<TopicPartition> toResume = new HashSet<>(paused);
    toResume.removeAll(busy);
    if (!toResume.isEmpty()) {
      consumer.resume(toResume);
    }
    busy.removeAll(paused);
    busy.retainAll(consumer.assignment());
    if (!busy.isEmpty()) {
      consumer.pause(busy);
    }
  }

  private void pauseAfterError() {
    try {
      Thread.sleep(ERROR_PAUSE.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
      if (!closed) {
        death = e;
      }
    }
  }

  private final class Listener implements ConsumerRebalanceListener {

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      commitDelivered();
      forget(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      Set<Integer> next = new TreeSet<>(assigned);
      partitions.forEach(p -> next.add(p.partition()));
      assigned = Collections.unmodifiableSet(next);
      joined = true;
      LOG.debug("Group {} member assigned {} of {}", group, partitions, topic);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      delivered.keySet().removeAll(partitions);
      forget(partitions);
    }

    private void forget(Collection<TopicPartition> partitions) {
      partitions.forEach(p -> {
        pending.remove(p);
        retryStates.remove(p);
      });
      Set<Integer> next = new TreeSet<>(assigned);
      partitions.forEach(p -> next.remove(p.partition()));
      assigned = Collections.unmodifiableSet(next);
    }
  }

  @Override
  public String topic() {
    return topic;
  }

  @Override
  public String group() {
    return group;
  }

  @Override
  public Set<Integer> assignedPartitions() {
    return assigned;
  }

  @Override
  public CompletionStage<Void> assigned() {
    return firstAssignment.minimalCompletionStage();
  }

  @Override
  public OptionalLong lag() {
    long current = lag;
    return current == UNKNOWN_LAG ? OptionalLong.empty() : OptionalLong.of(current);
  }

  String clientId() {
    return clientId;
  }

  /** Returns why the polling thread stopped without a close, or null while it runs. */
  @Nullable Throwable death() {
    return death;
  }

  /**
   * Returns for how long polls have kept failing, measured on the subscriber's time source, or
   * null while they succeed.
   */
  @Nullable Duration pollFailingFor() {
    Long since = failingSinceNanos;
    return since == null ? null : Duration.ofNanos(time.nanoTime() - since);
  }

  @Nullable Throwable lastPollFailure() {
    return lastPollFailure;
  }

  boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    closed = true;
    running = false;
    try {
      // From the handler (on this thread) the loop ends when the handler returns.
      if (Thread.currentThread() != thread) {
        consumer.wakeup();
        if (!stopped.await(drainTimeout.toMillis() + 5_000, TimeUnit.MILLISECONDS)) {
          LOG.warn("Consumer of group {} on {} did not stop within {}", group, topic,
              drainTimeout);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      onClose.accept(this);
    }
  }

  @Override
  public String toString() {
    return "KafkaSubscription{topic=" + topic + ", group=" + group + '}';
  }
}
