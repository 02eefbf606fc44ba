package dev.layerkit.events;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** A topic of the in-memory bus: its partitions and its consumer groups. Thread-safe. */
final class MemTopic {

  private final String name;
  private final MemPartition[] partitions;
  private final ConcurrentMap<String, MemGroup> groups = new ConcurrentHashMap<>();
  // The groups again, as an array for the publish path to walk without allocating an iterator.
  private volatile MemGroup[] groupArray = new MemGroup[0];
  // Changes after any group's members change, for MemPartition's cache of evictable offsets.
  private volatile int membership;

  MemTopic(String name, int partitions, int capacity) {
    this.name = name;
    this.partitions = new MemPartition[partitions];
    for (int p = 0; p < partitions; p++) {
      this.partitions[p] = new MemPartition(this, p, capacity);
    }
  }

  String name() {
    return name;
  }

  int partitionCount() {
    return partitions.length;
  }

  MemPartition partition(int partition) {
    return partitions[partition];
  }

  MemGroup group(String group) {
    MemGroup existing = groups.get(group);
    if (existing != null) {
      return existing;
    }
    synchronized (groups) {
      MemGroup created = groups.computeIfAbsent(group, g -> new MemGroup(g, this));
      groupArray = groups.values().toArray(new MemGroup[0]);
      return created;
    }
  }

  MemGroup existingGroup(String group) {
    return groups.get(group);
  }

  /** Returns a number that changes after any group's owners changed (read it before them). */
  int membership() {
    return membership;
  }

  /** Called after a group's owners changed. */
  synchronized void membershipChanged() {
    membership++;
  }

  /** The lowest committed offset of the groups that have members; MAX_VALUE if none has. */
  long minActiveCommitted(int partition) {
    long min = Long.MAX_VALUE;
    for (MemGroup group : groupArray) {
      if (group.active()) {
        min = Math.min(min, group.committed(partition));
      }
    }
    return min;
  }

  /** Wakes the members that own {@code partition} after a record was appended. */
  void appended(int partition) {
    for (MemGroup group : groupArray) {
      MemSubscription<?> owner = group.owner(partition);
      if (owner != null) {
        owner.wake();
      }
    }
  }
}
