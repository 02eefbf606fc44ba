package dev.layerkit.gateway.ratelimit.redis;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires the timeouts of one limiter's pending decisions, and wakes no thread while none is pending.
 *
 * <p>Every decision of a limiter has the same timeout, so deadlines come in the order decisions
 * are {@linkplain #arm armed}: a first-in, first-out queue holds them, and one sweep, scheduled
 * only while the queue holds any, drops the decisions at its head that are already done and
 * expires those whose deadline has passed, then schedules itself for the head's deadline. All
 * limiters share one daemon thread for their sweeps, which sleeps without a deadline while no
 * limiter has a decision pending. (A hashed wheel, which this replaces, ticks every few
 * milliseconds for ever once started, waking its thread hundreds of times a second in a process
 * that has long stopped asking Redis anything.)
 *
 * <p>Precision: a timeout fires between its deadline and {@link #TICK} later, because sweeps are
 * at least a tick apart, so that a busy limiter wakes the thread at most once a tick. Two threads
 * that arm at nearly the same time may queue in the opposite order of their clock reads; the
 * earlier deadline then fires with the later one, at most the time between the two reads late.
 *
 * <p>Memory: a decision that Redis answers stays queued until a sweep passes it, at most
 * {@link #MAX_SWEEP_INTERVAL} after it is done, so a busy limiter holds that long's worth of done
 * decisions.
 *
 * <p>Thread-safe: any thread arms; the sweeps run on the shared thread, one at a time per
 * sweeper.
 *
 * @param <T> the decisions
 */
final class DeadlineSweeper<T extends DeadlineSweeper.Pending> implements Runnable {

  /** The least time between two sweeps of one sweeper, and so a timeout's greatest lateness. */
  static final long TICK = TimeUnit.MILLISECONDS.toNanos(5);

  /**
   * The most time between two sweeps while decisions are pending: how long a done decision may
   * stay queued.
   */
  static final long MAX_SWEEP_INTERVAL = TimeUnit.MILLISECONDS.toNanos(20);

  private static final Logger LOG = LoggerFactory.getLogger(DeadlineSweeper.class);
  private static final int IDLE = 0;
  private static final int SCHEDULED = 1;
  private static final VarHandle STATE;

  /** Runs every sweeper's sweeps: one daemon thread, started at the first decision. */
  private static final ScheduledThreadPoolExecutor SWEEPS;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(DeadlineSweeper.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
    SWEEPS = new ScheduledThreadPoolExecutor(1, new DefaultThreadFactory("layerkit-ratelimit-timeout", true));
  }

  /** A decision with a deadline, as the sweeper sees it. */
  interface Pending {
    /** The {@link System#nanoTime} after which it expires, set by {@link #arm}. */
    long deadline();

    /** Records the deadline, before the decision is queued. */
    void deadline(long nanoTime);

    /** Whether it is decided already, so that its deadline no longer matters. */
    boolean isDone();

    /** Its deadline passed and it was not done: decides it as timed out. Must not throw. */
    void expire();
  }

  private final long timeoutNanos;
  private final Queue<T> queue = new ConcurrentLinkedQueue<>();
  /** {@link #IDLE}, or {@link #SCHEDULED} while a sweep is scheduled or running. */
  @SuppressWarnings("unused") // through STATE
  private volatile int state;

  /**
   * @param timeoutNanos the time from {@link #arm} to a decision's deadline; positive
   */
  DeadlineSweeper(long timeoutNanos) {
    if (timeoutNanos <= 0) {
      throw new IllegalArgumentException("timeoutNanos must be positive but was " + timeoutNanos);
    }
    this.timeoutNanos = timeoutNanos;
  }

  /**
   * Sets the decision's deadline to the timeout from now and queues it; schedules a sweep if none
   * is.
   */
  void arm(T decision) {
    decision.deadline(System.nanoTime() + timeoutNanos);
    queue.offer(decision);
    if ((int) STATE.getVolatile(this) == IDLE && STATE.compareAndSet(this, IDLE, SCHEDULED)) {
      schedule(Math.max(TICK, Math.min(timeoutNanos, MAX_SWEEP_INTERVAL)));
    }
  }

  /** One sweep, on the shared thread. */
  @Override
  public void run() {
    long now = System.nanoTime();
    for (;;) {
      T head = queue.peek();
      if (head == null) {
        STATE.setVolatile(this, IDLE);
        // A decision armed after the peek saw SCHEDULED and left the sweep to this run.
        if (queue.isEmpty() || !STATE.compareAndSet(this, IDLE, SCHEDULED)) {
          return;
        }
        continue;
      }
      if (head.isDone()) {
        queue.poll();
        continue;
      }
      long wait = head.deadline() - now;
      if (wait > 0) {
        schedule(Math.max(TICK, Math.min(wait, MAX_SWEEP_INTERVAL)));
        return;
      }
      queue.poll();
      try {
        head.expire();
      } catch (RuntimeException | Error e) {
        // A sweep that threw would never be scheduled again, and no later timeout would fire.
        LOG.warn("a rate-limit decision's timeout failed", e);
      }
    }
  }

  private void schedule(long delayNanos) {
    SWEEPS.schedule(this, delayNanos, TimeUnit.NANOSECONDS);
  }

  /** Whether no sweep is scheduled, for tests: true once every armed decision is swept away. */
  boolean idle() {
    return (int) STATE.getVolatile(this) == IDLE;
  }

  /** The decisions queued, done or not, for tests. */
  int queued() {
    return queue.size();
  }
}
