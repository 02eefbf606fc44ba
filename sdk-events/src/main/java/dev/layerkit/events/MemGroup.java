package dev.layerkit.events;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import org.jspecify.annotations.Nullable;

/**
 * A consumer group of one in-memory topic: committed offsets per partition and which member owns
 * which partition.
 *
 * <p>Assignment is round robin over the members in join order (partition {@code p} goes to member
 * {@code p % n}) and is recomputed whenever a member joins or leaves. A member handles a record
 * only while holding its partition's lock and owning the partition, so that during a rebalance the
 * old owner finishes its batch and commits before the new owner reads the committed offset: no
 * partition is ever handled by two members at once, and nothing committed is handled again.
 */
final class MemGroup {

  private final String name;
  private final MemTopic topic;
  private final AtomicLongArray committed;
  private final Object[] partitionLocks;
  private final List<MemSubscription<?>> members = new ArrayList<>();
  private volatile @Nullable MemSubscription<?>[] owners;

  MemGroup(String name, MemTopic topic) {
    this.name = name;
    this.topic = topic;
    this.committed = new AtomicLongArray(topic.partitionCount());
    this.partitionLocks = new Object[topic.partitionCount()];
    for (int p = 0; p < partitionLocks.length; p++) {
      partitionLocks[p] = new Object();
    }
    this.owners = new MemSubscription<?>[topic.partitionCount()];
  }

  String name() {
    return name;
  }

  boolean active() {
    for (MemSubscription<?> owner : owners) {
      if (owner != null) {
        return true;
      }
    }
    return false;
  }

  long committed(int partition) {
    return committed.get(partition);
  }

  void commit(int partition, long nextOffset) {
    committed.set(partition, nextOffset);
  }

  Object partitionLock(int partition) {
    return partitionLocks[partition];
  }

  @Nullable MemSubscription<?> owner(int partition) {
    return owners[partition];
  }

  synchronized void join(MemSubscription<?> member) {
    members.add(member);
    reassign();
  }

  synchronized void leave(MemSubscription<?> member) {
    if (members.remove(member)) {
      reassign();
    }
  }

  private void reassign() {
    int n = members.size();
    int partitions = topic.partitionCount();
    MemSubscription<?>[] next = new MemSubscription<?>[partitions];
    List<List<Integer>> byMember = new ArrayList<>();
    for (int m = 0; m < n; m++) {
      byMember.add(new ArrayList<>());
    }
    for (int p = 0; p < partitions && n > 0; p++) {
      next[p] = members.get(p % n);
      byMember.get(p % n).add(p);
    }
    owners = next;
    topic.membershipChanged();
    for (int m = 0; m < n; m++) {
      members.get(m).assign(byMember.get(m));
    }
  }
}
