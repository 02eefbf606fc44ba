package dev.layerkit.events;

import dev.layerkit.events.internal.RawRecord;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One partition of the in-memory log: a ring of at most {@code capacity} records.
 *
 * <p>Invariants: {@code baseOffset <= nextOffset} and {@code nextOffset - baseOffset <= capacity};
 * record {@code o} sits at {@code ring[o % capacity]}. Publishers append under {@link #lock};
 * readers take no lock: they read {@link #nextOffset} (volatile, written after the slot) and check
 * that the record in a slot has the offset they asked for, since an evicted slot may be reused.
 *
 * <p>When the ring is full, the oldest record is evicted if every active group has committed past
 * it (or no group is active: plain retention); otherwise the publisher waits on {@link #notFull}
 * for a commit. The groups' lowest committed offset is cached ({@link #evictableBelow}) while the
 * topic's membership is unchanged ({@link MemTopic#membership()}): committed offsets only grow
 * while members stay, and a member joining changes the membership, so the cache never lets a
 * record be evicted that an active group has not handled. In steady state (a full ring that the
 * consumers keep up with) a publish therefore reads no group at all.
 *
 * <p>Lost wake-ups are impossible: a waiting publisher raises {@link #waiters} before it reads the
 * groups' committed offsets, and a consumer writes its commit before it reads {@link #waiters}
 * (both volatile), so either the publisher sees the commit or the consumer sees the waiter. A
 * consumer signals a waiting publisher once it has freed a quarter of the ring, has caught up, is
 * held up by a retry, or leaves ({@link #committed}): one wake-up per many records, not one per
 * batch.
 */
final class MemPartition {

  private final MemTopic topic;
  private final int partition;
  private final int capacity;
  private final int signalAfter;
  private final RawRecord[] ring;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notFull = lock.newCondition();
  private volatile int waiters;
  private volatile long baseOffset;
  private volatile long nextOffset;
  // Under lock: every active group had committed past offsets below this, as of membership epoch.
  private long evictableBelow;
  private int evictableEpoch = -1;

  MemPartition(MemTopic topic, int partition, int capacity) {
    this.topic = topic;
    this.partition = partition;
    this.capacity = capacity;
    this.signalAfter = Math.max(1, capacity / 4);
    this.ring = new RawRecord[capacity];
  }

  /** Appends a record, waiting up to {@code timeoutNanos} for room; returns its offset. */
  long append(String key, long timestampMillis, Map<String, String> headers,
      byte[] value, long timeoutNanos) throws InterruptedException {
    lock.lock();
    try {
      if (nextOffset - baseOffset == capacity) {
        makeRoom(timeoutNanos);
      }
      long offset = nextOffset;
      ring[(int) (offset % capacity)] =
          new RawRecord(topic.name(), partition, offset, key, timestampMillis, headers, value);
      nextOffset = offset + 1;
      return offset;
    } finally {
      lock.unlock();
    }
  }

  /** Under lock, with a full ring: evicts the oldest record, waiting for a commit if need be. */
  private void makeRoom(long timeoutNanos) throws InterruptedException {
    long base = baseOffset;
    int epoch = topic.membership();
    if (epoch == evictableEpoch && evictableBelow > base) {
      evictOldest(base);
      return;
    }
    long min = topic.minActiveCommitted(partition);
    if (min > base) {
      evictableBelow = min;
      evictableEpoch = epoch;
      evictOldest(base);
      return;
    }
    long remaining = timeoutNanos;
    // Waiting releases the lock, so another publisher may have made room (and filled it) since.
    while (nextOffset - baseOffset == capacity) {
      long oldest = baseOffset;
      waiters++;
      try {
        if (topic.minActiveCommitted(partition) > oldest) {
          evictOldest(oldest);
          return;
        }
        if (remaining <= 0) {
          throw EventPublishException.partitionFull(topic.name(), partition, capacity,
              TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
        }
        remaining = notFull.awaitNanos(remaining);
      } finally {
        waiters--;
      }
    }
  }

  private void evictOldest(long base) {
    ring[(int) (base % capacity)] = null;
    baseOffset = base + 1;
  }

  /**
   * Returns the record at {@code offset}, or null if it was evicted (or not yet appended). Takes
   * no lock.
   */
  RawRecord recordAt(long offset) {
    RawRecord record = ring[(int) (offset % capacity)];
    return record != null && record.offset() == offset ? record : null;
  }

  /**
   * Wakes publishers waiting for room after a group committed up to {@code nextCommitted}, if it
   * freed enough of the ring or {@code force}.
   */
  void committed(long nextCommitted, boolean force) {
    if (waiters > 0 && (force || nextCommitted - baseOffset >= signalAfter)) {
      lock.lock();
      try {
        notFull.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  long endOffset() {
    return nextOffset;
  }

  long beginningOffset() {
    return baseOffset;
  }
}
