package dev.layerkit.events;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One partition of the in-memory log: a ring of at most {@code capacity} records.
 *
 * <p>Invariants: {@code baseOffset <= nextOffset} and {@code nextOffset - baseOffset <= capacity};
 * record {@code o} sits in the {@link Slot} {@code ring[o % capacity]}. Publishers append under
 * {@link #lock}; readers take no lock: they read {@link #nextOffset} (volatile, written after the
 * slot) and {@linkplain #read copy} a slot's fields out, checking that it holds the offset they
 * asked for, since an evicted slot is reused.
 *
 * <p>Slots are made once, on the first lap of the ring, and rewritten in place afterwards, so that
 * a publish in steady state allocates nothing. A slot is a seqlock whose version is its stamp
 * ({@code offset + 1}, 0 while it is being written): the publisher clears the stamp, writes the
 * fields, then publishes the new stamp with release semantics; a reader reads the stamp
 * (acquire), the fields, then the stamp again after a load fence, and keeps the fields only if
 * both reads saw the offset it wanted. A reader can meet a slot being rewritten only when its
 * record was evicted under it (a member joining behind the retained records), and then skips it
 * as an evicted record, as before.
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
  private final Slot[] ring;
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
    this.ring = new Slot[capacity];
  }

  /** One place in the ring; see the class comment for how it is written and read. */
  static final class Slot {
    private static final VarHandle STAMP;

    static {
      try {
        STAMP = MethodHandles.lookup().findVarHandle(Slot.class, "stamp", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    // offset + 1 of the record held, 0 while empty or being written; only through STAMP.
    private long stamp;
    private String key = "";
    private long timestampMillis;
    private Map<String, String> headers = Map.of();
    private byte[] value = new byte[0];
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
      int index = (int) (offset % capacity);
      Slot slot = ring[index];
      if (slot == null) {
        slot = new Slot();
        ring[index] = slot;
      } else {
        Slot.STAMP.setOpaque(slot, 0L);
        VarHandle.storeStoreFence();
      }
      slot.key = key;
      slot.timestampMillis = timestampMillis;
      slot.headers = headers;
      slot.value = value;
      Slot.STAMP.setRelease(slot, offset + 1);
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

  // The slot keeps its fields until the append that follows reuses it, at once.
  private void evictOldest(long base) {
    baseOffset = base + 1;
  }

  /**
   * Copies the record at {@code offset} into {@code into} and returns true, or returns false if it
   * was evicted (or not yet appended). Takes no lock and allocates nothing.
   */
  boolean read(long offset, MemRecord into) {
    Slot slot = ring[(int) (offset % capacity)];
    if (slot == null || (long) Slot.STAMP.getAcquire(slot) != offset + 1) {
      return false;
    }
    String key = slot.key;
    long timestampMillis = slot.timestampMillis;
    Map<String, String> headers = slot.headers;
    byte[] value = slot.value;
    VarHandle.loadLoadFence();
    if ((long) Slot.STAMP.getOpaque(slot) != offset + 1) {
      return false;
    }
    into.set(partition, offset, key, timestampMillis, headers, value);
    return true;
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
