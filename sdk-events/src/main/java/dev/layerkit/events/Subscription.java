package dev.layerkit.events;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A running subscription of one handler to one topic as a member of a consumer group.
 *
 * <p>Every group sees every event; within a group each partition is handled by one member at a
 * time, and partitions move between members when members join or leave (a rebalance). Thread-safe.
 */
public interface Subscription extends AutoCloseable {

  /**
   * Returns the topic.
   *
   * @return the topic
   */
  String topic();

  /**
   * Returns the consumer group.
   *
   * @return the group
   */
  String group();

  /**
   * Returns the partitions this member owns now. Changes on rebalance; empty before the member has
   * joined its group or when the group has more members than the topic has partitions.
   *
   * @return a snapshot of the partition numbers
   */
  Set<Integer> assignedPartitions();

  /**
   * Returns a stage that completes when this member has first joined its group and knows where it
   * starts reading in each partition it got: from then on, an event published to the topic is
   * handled by this member or by another member of the group, even by a group that starts at the
   * log's end. Meant for tests and for start-up ordering, which would otherwise poll {@link
   * #assignedPartitions()}.
   *
   * <p>It completes once and does not follow later rebalances; the member may have got no
   * partition (when the group has more members than the topic has partitions). In memory it is
   * complete when {@code subscribe} returns; on Kafka it completes on the member's thread after
   * its first assignment and the positions of its partitions are known. It completes
   * exceptionally with {@link IllegalStateException} if the subscription is closed first, or with
   * the error that stopped the member's thread.
   *
   * @return the stage; do not block on it from the handler, which runs on the member's thread
   */
  CompletionStage<Void> assigned();

  /**
   * Waits for {@link #assigned()}.
   *
   * @param timeout how long to wait
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalStateException if the subscription was closed, or its member stopped on an
   *     error (the cause), before it was assigned
   * @throws TimeoutException if it was not assigned within {@code timeout}
   * @throws InterruptedException if the waiting thread is interrupted
   */
  default void awaitAssignment(Duration timeout) throws TimeoutException, InterruptedException {
    long millis = Objects.requireNonNull(timeout, "timeout").toMillis();
    try {
      assigned().toCompletableFuture().get(millis, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IllegalStateException closed) {
        throw closed;
      }
      throw new IllegalStateException("the member of group " + group() + " on " + topic()
          + " stopped before it was assigned", cause);
    }
  }

  /**
   * Returns how many events of this member's partitions are not handled yet: the sum over {@link
   * #assignedPartitions()} of the log end offset minus the offset of the next event this member
   * will hand to its handler. Events fetched but still waiting in memory (behind a slow handler or
   * a retry) count as not handled.
   *
   * <p>Cheap and non-blocking: a backend publishes the value from its own consumer thread and this
   * method reads it, so it may be up to one poll old. Zero while the member owns no partitions.
   * Thread-safe.
   *
   * @return the lag, or empty if the backend does not track it or does not know it yet (before the
   *     first fetch of a partition, or after the subscription stopped)
   */
  default OptionalLong lag() {
    return OptionalLong.empty();
  }

  /**
   * Stops the subscription gracefully: the handler finishes the event it is handling and the events
   * already fetched that are not waiting for a retry, the offsets of every handled event are
   * committed, and the member leaves its group so that its partitions move to the others. Blocks
   * until done (bounded by the subscriber's drain timeout). Idempotent.
   */
  @Override
  void close();
}
