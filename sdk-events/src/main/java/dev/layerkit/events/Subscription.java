package dev.layerkit.events;

import java.util.OptionalLong;
import java.util.Set;

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
