package dev.layerkit.core.internal;

import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.core.time.TimeSource;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TimeSource} for hot paths: the system clocks as of the last tick of one shared daemon
 * thread, which refreshes them every {@link #TICK} (1 ms). A reading costs two plain loads instead
 * of a clock read ({@link System#nanoTime()} costs 20 to 60 ns in many virtual machines, more than
 * a cache hit or a rate-limit decision); the price is precision.
 *
 * <h2>Staleness</h2>
 *
 * <p>{@link #nanoTime()} is a past reading of {@link System#nanoTime()}: it is never ahead of the
 * real clock and normally at most about one tick behind it (the tick is a timed park, so a tick
 * may come a little late). When the ticking thread is not scheduled (an overloaded machine, a
 * stop-the-world pause) the reading can be older; nothing bounds that delay. Use it where being
 * late by a millisecond or so changes nothing that matters: TTLs, refill times, latency
 * averages, ejection times. Never use it to measure short intervals. {@link #epochMillis()} and
 * {@link #instant()} are the wall clock ({@link System#currentTimeMillis()}) at the same tick,
 * with millisecond precision.
 *
 * <p>Readings of one lease never decrease (the shared value only moves forward, and after
 * {@link #close()} a lease reads {@link System#nanoTime()}, which is at least every cached value).
 * The wall clock follows the system's, which may jump.
 *
 * <h2>Lifecycle</h2>
 *
 * <p>Each {@link #acquire()} returns a new lease; the thread ticks while at least one lease is
 * open, starts with the first and stops after the last is closed. {@link #close()} is idempotent.
 * A lease that becomes unreachable without being closed is released once the garbage collector
 * has noticed (the ticking thread polls for it every tick), so an owner without a
 * {@code close()} of its own (a cache, a rate limiter) can simply hold its lease. After
 * {@code close()}, a lease still answers, from the system clocks directly and at their cost, so a
 * reading is never staler than the bound above, whatever the lease's state.
 *
 * <h2>Thread safety</h2>
 *
 * <p>Thread-safe. Readings are lock-free and allocation-free (except {@link #instant()}, which
 * allocates its {@code Instant}); {@link #acquire()} and {@link #close()} take a global lock and
 * are meant for construction and shutdown, not for every call.
 *
 * <pre>{@code
 * CoarseTimeSource clock = CoarseTimeSource.acquire();   // in a constructor
 * long now = clock.nanoTime();                           // on the hot path: no clock read
 * clock.close();                                         // on shutdown
 * }</pre>
 *
 * <p>Blocks take it only in place of {@link TimeSource#system()}: with any other source, a test's
 * {@link ManualTimeSource} say, they read that source directly, so tests stay deterministic.
 *
 * <p>Not API (see the package): users pass {@link TimeSource#system()} and the blocks decide
 * where a coarse reading is good enough.
 */
public final class CoarseTimeSource implements TimeSource, AutoCloseable {

  /** How often the shared readings are refreshed. */
  public static final Duration TICK = Duration.ofMillis(1);

  private static final long TICK_NANOS = TICK.toNanos();
  private static final VarHandle NANOS;

  static {
    try {
      NANOS = MethodHandles.lookup().findStaticVarHandle(CoarseTimeSource.class, "nanos", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  // Written only through advance(), which never moves them back.
  private static volatile long nanos = System.nanoTime();
  private static volatile long wallMillis = System.currentTimeMillis();

  private static final Object LOCK = new Object();
  private static final ReferenceQueue<CoarseTimeSource> UNREACHABLE = new ReferenceQueue<>();
  // Guarded by LOCK: the open leases, each strongly held here until released.
  private static final Set<Lease> LEASES = new HashSet<>();
  private static @Nullable Thread ticker;

  private final Lease lease;
  private volatile boolean closed;

  private CoarseTimeSource() {
    this.lease = new Lease(this);
  }

  /**
   * Opens a lease on the shared coarse clock, starting its thread if no lease is open. The lease
   * reads a value refreshed just now, whether or not the thread was already running.
   *
   * @return a new open lease; close it when done (or drop it: see the class description)
   */
  public static CoarseTimeSource acquire() {
    CoarseTimeSource source = new CoarseTimeSource();
    synchronized (LOCK) {
      LEASES.add(source.lease);
      advance();
      if (ticker == null) {
        Thread thread = new Thread(CoarseTimeSource::tickWhileLeased, "layerkit-coarse-clock");
        thread.setDaemon(true);
        // It loads nothing; not holding the caller's class loader keeps a redeployed application
        // collectable.
        thread.setContextClassLoader(null);
        ticker = thread;
        thread.start();
      }
    }
    return source;
  }

  /**
   * Returns {@link System#nanoTime()} as of the last tick while this lease is open, else the
   * system value itself. Never ahead of {@code System.nanoTime()}.
   *
   * @return the counter value in nanoseconds
   */
  @Override
  public long nanoTime() {
    return closed ? System.nanoTime() : nanos;
  }

  /**
   * Returns the wall clock, in milliseconds since the epoch, as of the last tick while this lease
   * is open, else {@link System#currentTimeMillis()}.
   *
   * @return milliseconds since 1970-01-01T00:00:00Z
   */
  @Override
  public long epochMillis() {
    return closed ? System.currentTimeMillis() : wallMillis;
  }

  /**
   * Returns {@link #epochMillis()} as an instant (millisecond precision). Allocates.
   *
   * @return the instant
   */
  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(epochMillis());
  }

  /**
   * Returns whether this lease is still open: not {@linkplain #close() closed}.
   *
   * @return true until {@link #close()}
   */
  public boolean isOpen() {
    return !closed;
  }

  /**
   * Releases this lease; the thread stops when no lease is open. Idempotent. Readings of this
   * lease then come from the system clocks directly.
   */
  @Override
  public void close() {
    synchronized (LOCK) {
      if (closed) {
        return;
      }
      closed = true;
      release(lease);
    }
  }

  /**
   * Returns how many leases are open in this JVM (dropped ones count until released), for
   * monitoring and tests. Takes the global lock.
   *
   * @return the number of open leases; the thread ticks while it is above zero
   */
  public static int openLeases() {
    synchronized (LOCK) {
      return LEASES.size();
    }
  }

  /** Returns whether the thread is ticking; for tests. */
  static boolean ticking() {
    synchronized (LOCK) {
      return ticker != null;
    }
  }

  @Override
  public String toString() {
    return "CoarseTimeSource{tick=" + TICK + (closed ? ", closed" : "") + '}';
  }

  // Guarded by LOCK. Idempotent per lease: a lease closed and then also found unreachable (or the
  // other way round) is released once.
  private static void release(Lease lease) {
    if (LEASES.remove(lease) && LEASES.isEmpty() && ticker != null) {
      ticker.interrupt();
      ticker = null;
    }
  }

  /** Moves the shared readings forward to now; never back, whoever calls it. */
  private static void advance() {
    long now = System.nanoTime();
    long current;
    while (now - (current = nanos) > 0) {
      if (NANOS.compareAndSet(current, now)) {
        break;
      }
    }
    // The wall clock is the system's, jumps included. Two writers (an acquire and the ticker) can
    // race, which at worst moves it back by the time between their two reads.
    wallMillis = System.currentTimeMillis();
  }

  private static void tickWhileLeased() {
    Thread self = Thread.currentThread();
    while (true) {
      LockSupport.parkNanos(TICK_NANOS);
      synchronized (LOCK) {
        if (ticker != self) {
          return;
        }
      }
      advance();
      Reference<? extends CoarseTimeSource> gone;
      while ((gone = UNREACHABLE.poll()) != null) {
        synchronized (LOCK) {
          release((Lease) gone);
        }
      }
    }
  }

  /** Tracks a lease's reachability so that a dropped lease is released. */
  private static final class Lease extends PhantomReference<CoarseTimeSource> {
    Lease(CoarseTimeSource source) {
      super(source, UNREACHABLE);
    }
  }
}
