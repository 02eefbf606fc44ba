package dev.layerkit.events;

import dev.layerkit.events.internal.RawRecord;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One partition of the in-memory log: a ring of at most {@code capacity} records.
 *
 * <p>Invariants (under {@link #lock}): {@code baseOffset <= nextOffset} and {@code nextOffset -
 * baseOffset <= capacity}; record {@code o} sits at {@code ring[o % capacity]}. When the ring is
 * full, the oldest record is evicted if every active group has committed past it (or no group is
 * active: plain retention); otherwise the publisher waits on {@link #notFull} for a commit.
 *
 * <p>Lost wake-ups are impossible: a waiting publisher raises {@link #waiters} before it reads the
 * groups' committed offsets, and a consumer writes its commit before it reads {@link #waiters}
 * (both volatile), so either the publisher sees the commit or the consumer sees the waiter.
 */
final class MemPartition {

  private final MemTopic topic;
  private final int partition;
  private final int capacity;
  private final RawRecord[] ring;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notFull = lock.newCondition();
  private volatile int waiters;
  private long baseOffset;
  private volatile long nextOffset;

  MemPartition(MemTopic topic, int partition, int capacity) {
    this.topic = topic;
    this.partition = partition;
    this.capacity = capacity;
    this.ring = new RawRecord[capacity];
  }

  /** Appends a record, waiting up to {@code timeoutNanos} for room; returns its offset. */
  long append(String key, long timestampMillis, Map<String, String> headers, byte[] value,
      long timeoutNanos) throws InterruptedException {
    lock.lock();
    try {
      long remaining = timeoutNanos;
      while (nextOffset - baseOffset == capacity) {
        waiters++;
        try {
          if (topic.minActiveCommitted(partition) > baseOffset) {
            ring[(int) (baseOffset % capacity)] = null;
            baseOffset++;
            break;
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
      long offset = nextOffset;
      ring[(int) (offset % capacity)] =
          new RawRecord(topic.name(), partition, offset, key, timestampMillis, headers, value);
      nextOffset = offset + 1;
      return offset;
    } finally {
      lock.unlock();
    }
  }

  /** Adds up to {@code max} records from {@code from} (or the oldest retained) to {@code out}. */
  void read(long from, int max, List<RawRecord> out) {
    if (from >= nextOffset) {
      return;
    }
    lock.lock();
    try {
      long start = Math.max(from, baseOffset);
      long end = Math.min(nextOffset, start + max);
      for (long o = start; o < end; o++) {
        out.add(ring[(int) (o % capacity)]);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Wakes publishers waiting for room after a group committed. */
  void committed() {
    if (waiters > 0) {
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
    lock.lock();
    try {
      return baseOffset;
    } finally {
      lock.unlock();
    }
  }
}
