package dev.layerkit.events;

import dev.layerkit.events.internal.EventDispatcher;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of an in-memory consumer group, with its own thread.
 *
 * <p>The thread passes over the member's partitions; for each it takes the group's lock of the
 * partition, delivers up to {@link #BATCH} records from the group's committed offset straight
 * from the partition's ring (no lock of the log; each record's fields are copied into one reused
 * {@link MemRecord}, so no record is allocated) through the {@link EventDispatcher}, and
 * commits once after the batch. A record that waits for a retry stops its
 * partition for this pass only. With nothing to do the thread parks until a publish to one of its
 * partitions unparks it (see {@link MemPartition} for why no wake-up is lost), or for 1 ms while a
 * retry is pending.
 */
final class MemSubscription<T> implements Subscription, Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(MemSubscription.class);
  static final int BATCH = 256;
  private static final VarHandle WAITING;

  static {
    try {
      WAITING = MethodHandles.lookup().findVarHandle(MemSubscription.class, "waiting",
          boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  private static final long RETRY_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final MemTopic topic;
  private final MemGroup group;
  private final EventDispatcher<T> dispatcher;
  private final Duration drainTimeout;
  private final EventDispatcher.RetryState[] retryStates;
  private final MemRecord record;
  private final Thread thread;
  private final CompletableFuture<Void> firstAssignment = new CompletableFuture<>();
  private volatile int[] assigned = new int[0];
  private volatile boolean running = true;
  private volatile boolean waiting;

  MemSubscription(MemTopic topic, MemGroup group, EventDispatcher<T> dispatcher,
      Duration drainTimeout, String threadName) {
    this.topic = topic;
    this.group = group;
    this.dispatcher = dispatcher;
    this.drainTimeout = drainTimeout;
    this.record = new MemRecord(topic.name());
    this.retryStates = new EventDispatcher.RetryState[topic.partitionCount()];
    for (int p = 0; p < retryStates.length; p++) {
      retryStates[p] = new EventDispatcher.RetryState();
    }
    this.thread = new Thread(this, threadName);
    this.thread.setDaemon(true);
  }

  void start() {
    group.join(this);
    // Joining assigns at once, and a member reads from its group's committed offsets, so an event
    // published from now on is handled by the group.
    firstAssignment.complete(null);
    thread.start();
  }

  void assign(List<Integer> partitions) {
    int[] next = new int[partitions.size()];
    for (int i = 0; i < next.length; i++) {
      next[i] = partitions.get(i);
    }
    assigned = next;
    LockSupport.unpark(thread);
  }

  /** Unparks the thread if it is idle; only the first caller per idle spell pays for it. */
  void wake() {
    if (waiting && WAITING.compareAndSet(this, true, false)) {
      LockSupport.unpark(thread);
    }
  }

  @Override
  public void run() {
    while (running) {
      boolean progress = false;
      boolean retryPending = false;
      for (int p : assigned) {
        MemPartition partition = topic.partition(p);
        long next = -1;
        boolean stalled = false;
        synchronized (group.partitionLock(p)) {
          if (group.owner(p) != this) {
            continue;
          }
          long end = partition.endOffset();
          long offset = Math.max(group.committed(p), partition.beginningOffset());
          long stop = Math.min(end, offset + BATCH);
          while (offset < stop) {
            if (!partition.read(offset, record)) {
              // Evicted while this member joined behind the retained records: skip to the oldest.
              offset = Math.max(offset + 1, partition.beginningOffset());
              continue;
            }
            boolean done;
            try {
              done = dispatcher.deliver(record, retryStates[p]);
            } catch (RuntimeException | Error e) {
              // The dispatcher catches handler exceptions; this is a bug or an Error. Keep the
              // record and try again later rather than lose it or kill the member.
              LOG.error("Delivery of {}-{}@{} failed unexpectedly", topic.name(), p, offset, e);
              done = false;
            }
            if (!done) {
              retryPending = true;
              stalled = true;
              break;
            }
            next = ++offset;
          }
          // One commit per batch, still under the partition's lock: a new owner reads it only
          // after this member let go, so nothing handled here is handed over uncommitted.
          if (next >= 0) {
            group.commit(p, next);
          }
        }
        if (next >= 0) {
          progress = true;
          partition.committed(next, stalled || next >= partition.endOffset());
        }
      }
      if (!progress) {
        idle(retryPending);
      }
    }
  }

  private void idle(boolean retryPending) {
    waiting = true;
    try {
      if (retryPending) {
        LockSupport.parkNanos(this, RETRY_PARK_NANOS);
      } else if (running && !hasWork()) {
        LockSupport.parkNanos(this, IDLE_PARK_NANOS);
      }
    } finally {
      waiting = false;
    }
  }

  private boolean hasWork() {
    for (int p : assigned) {
      if (group.committed(p) < topic.partition(p).endOffset()) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String topic() {
    return topic.name();
  }

  @Override
  public String group() {
    return group.name();
  }

  @Override
  public Set<Integer> assignedPartitions() {
    Set<Integer> partitions = new TreeSet<>();
    for (int p : assigned) {
      partitions.add(p);
    }
    return Collections.unmodifiableSet(partitions);
  }

  @Override
  public CompletionStage<Void> assigned() {
    return firstAssignment.minimalCompletionStage();
  }

  /**
   * {@inheritDoc}
   *
   * <p>In memory the lag is exact at the moment of the call: it reads each owned partition's end
   * offset and its group's committed offset, which every member commits after each batch.
   */
  @Override
  public OptionalLong lag() {
    if (!running) {
      return OptionalLong.empty();
    }
    long total = 0;
    for (int p : assigned) {
      total += Math.max(0, topic.partition(p).endOffset() - group.committed(p));
    }
    return OptionalLong.of(total);
  }

  @Override
  public void close() {
    running = false;
    LockSupport.unpark(thread);
    if (Thread.currentThread() != thread) {
      try {
        thread.join(drainTimeout.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (thread.isAlive()) {
        LOG.warn("Member of group {} on {} did not finish its batch within {}; leaving anyway",
            group.name(), topic.name(), drainTimeout);
      }
    }
    group.leave(this);
    // A publisher waiting for this member's commits may now evict: the group may be inactive.
    for (int p = 0; p < topic.partitionCount(); p++) {
      topic.partition(p).committed(0, true);
    }
  }

  @Override
  public String toString() {
    return "InMemorySubscription{topic=" + topic.name() + ", group=" + group.name() + '}';
  }
}
