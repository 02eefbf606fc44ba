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
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TimeSource} for hot paths: while it is read often, the system clocks as of the last
 * tick of one shared daemon thread, which refreshes them every {@link #TICK} (1 ms); while it is
 * read less often, the system clocks themselves.
 *
 * <h2>Why it adapts</h2>
 *
 * <p>A cached reading costs two plain loads instead of a clock read ({@link System#nanoTime()}
 * costs 18 to 60 ns in many virtual machines, more than a cache hit or a rate-limit decision). But
 * the ticks are not free either: on the 2-vCPU virtual machines this project is measured on, a
 * thread that parks for a millisecond and wakes costs 16 to 28 us of CPU per wake, about 2.4% of a
 * CPU, idle or not, and its wake-ups preempt whatever runs. That is the price of about a thousand
 * clock reads per millisecond: below it, reading the clock is cheaper. A gateway proxying 92,000
 * requests/s, a few readings per request, spent 7% less CPU per request with the ticks stopped.
 *
 * <p>So the thread measures before it ticks. It starts <em>measuring</em>: every reading is a
 * clock read, and one in {@value #SAMPLE} is counted (a thread-local random draw and, for the
 * counted ones, an atomic add). Each {@link #WINDOW} (or {@link #IDLE_WINDOW} after a window
 * without readings) it looks at the count; at {@value #CACHING_READS_PER_MILLI} readings per
 * millisecond or more it starts <em>caching</em>: ticking every {@link #TICK}, readings are the
 * cached values. After {@link #RECHECK} of caching it measures again for a window, so a load that
 * went away stops the ticks. Idle, the thread wakes once a second.
 *
 * <h2>Staleness</h2>
 *
 * <p>{@link #nanoTime()} is a reading of {@link System#nanoTime()}, current while measuring and
 * a past one while caching: it is never ahead of the real clock and normally at most about one
 * tick behind it (the tick is a timed park, so a tick may come a little late). When the ticking
 * thread is not scheduled (an overloaded machine, a stop-the-world pause) a cached reading can be
 * older; nothing bounds that delay. Use it where being late by a millisecond or so changes
 * nothing that matters: TTLs, refill times, latency averages, ejection times. Never use it to
 * measure short intervals. {@link #epochMillis()} and {@link #instant()} are the wall clock
 * ({@link System#currentTimeMillis()}), current or as of the same tick, with millisecond
 * precision.
 *
 * <p>Readings of one lease never decrease: the cached value only moves forward, and a clock read
 * is at least every cached value. Going from measuring to caching, the thread first announces the
 * switch, during which readings are clock reads that also move the cached value forward; then
 * moves it to the clock itself; then caches. A reader checks the mode again after its clock read,
 * so a reading returned as measured was taken before the announcement, below the first cached
 * value. The wall clock follows the system's, which may jump.
 *
 * <h2>Lifecycle</h2>
 *
 * <p>Each {@link #acquire()} returns a new lease; the thread runs while at least one lease is
 * open, starts with the first and stops after the last is closed. {@link #close()} is idempotent.
 * A lease that becomes unreachable without being closed is released once the garbage collector
 * has noticed (the thread polls for it whenever it wakes), so an owner without a {@code close()}
 * of its own (a cache, a rate limiter) can simply hold its lease. After {@code close()}, a lease
 * still answers, from the system clocks directly, so a reading is never staler than the bound
 * above, whatever the lease's state.
 *
 * <h2>Thread safety</h2>
 *
 * <p>Thread-safe. Readings are lock-free and allocation-free (except {@link #instant()}, which
 * allocates its {@code Instant}); {@link #acquire()} and {@link #close()} take a global lock and
 * are meant for construction and shutdown, not for every call.
 *
 * <pre>{@code
 * CoarseTimeSource clock = CoarseTimeSource.acquire();   // in a constructor
 * long now = clock.nanoTime();                           // on the hot path
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

  /** How often the shared readings are refreshed while caching. */
  public static final Duration TICK = Duration.ofMillis(1);

  /**
   * How long the thread counts readings before it decides whether to cache; also how soon a load
   * that began is noticed.
   */
  public static final Duration WINDOW = Duration.ofMillis(10);

  /** The window after one that counted no reading: an idle process wakes the thread seldom. */
  public static final Duration IDLE_WINDOW = Duration.ofSeconds(1);

  /** How long the thread caches before it measures again. */
  public static final Duration RECHECK = Duration.ofSeconds(1);

  /**
   * Readings per millisecond from which caching is cheaper than a clock read per reading: a tick
   * costs about what a thousand clock reads do (see the class description).
   */
  public static final int CACHING_READS_PER_MILLI = 1_000;

  /** One reading in this many is counted while measuring (a power of two). */
  static final int SAMPLE = 64;

  /** {@link #mode}: readings are clock reads, and one in {@link #SAMPLE} is counted. */
  private static final int MEASURING = 0;
  /**
   * {@link #mode}: the thread is about to cache; readings are clock reads that also move the cached
   * value forward, so that the first cached reading is not below any reading returned before.
   */
  private static final int SWITCHING = 1;
  /** {@link #mode}: readings are the cached values, which the thread refreshes every tick. */
  private static final int CACHING = 2;

  private static final long TICK_NANOS = TICK.toNanos();
  private static final long WINDOW_NANOS = WINDOW.toNanos();
  private static final long IDLE_WINDOW_NANOS = IDLE_WINDOW.toNanos();
  private static final long RECHECK_NANOS = RECHECK.toNanos();
  private static final VarHandle NANOS;
  private static final VarHandle SAMPLES;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      NANOS = lookup.findStaticVarHandle(CoarseTimeSource.class, "nanos", long.class);
      SAMPLES = lookup.findStaticVarHandle(CoarseTimeSource.class, "samples", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  // Written only through advance(), which never moves them back.
  private static volatile long nanos = System.nanoTime();
  private static volatile long wallMillis = System.currentTimeMillis();
  /** What readings are: {@link #MEASURING}, {@link #SWITCHING} or {@link #CACHING}. */
  private static volatile int mode = MEASURING;
  /** Readings counted while measuring: one in {@link #SAMPLE}. */
  private static volatile int samples;

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
        Thread thread = new Thread(CoarseTimeSource::runWhileLeased, "layerkit-coarse-clock");
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
   * Returns {@link System#nanoTime()}: read now while measuring or after {@link #close()}, as of
   * the last tick while caching. Never ahead of {@code System.nanoTime()}.
   *
   * @return the counter value in nanoseconds
   */
  @Override
  public long nanoTime() {
    int current = mode;
    if (current == CACHING && !closed) {
      return nanos;
    }
    long now = System.nanoTime();
    if (closed) {
      return now;
    }
    // The mode is read again after the clock: a reading returned as measured was taken before the
    // thread announced SWITCHING, hence before the clock read of the advance that precedes CACHING.
    // Once SWITCHING is seen, a reading goes into the cached value before it is returned.
    if (current == MEASURING && mode == MEASURING) {
      counted();
      return now;
    }
    advanceTo(now);
    return nanos;
  }

  /**
   * Returns the wall clock, in milliseconds since the epoch: read now while measuring or after
   * {@link #close()}, as of the last tick while caching.
   *
   * @return milliseconds since 1970-01-01T00:00:00Z
   */
  @Override
  public long epochMillis() {
    if (mode == CACHING && !closed) {
      return wallMillis;
    }
    long now = System.currentTimeMillis();
    if (!closed) {
      counted();
    }
    return now;
  }

  /** Counts one reading in {@link #SAMPLE}, for the thread's decision whether to cache. */
  private static void counted() {
    if ((ThreadLocalRandom.current().nextInt() & (SAMPLE - 1)) == 0) {
      SAMPLES.getAndAdd(1);
    }
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

  /** Returns whether the shared thread runs (some lease is open); for tests. */
  static boolean running() {
    synchronized (LOCK) {
      return ticker != null;
    }
  }

  /** Returns whether readings are cached values (the thread ticks); for tests. */
  static boolean caching() {
    return mode == CACHING;
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
      mode = MEASURING; // a new thread starts by measuring
    }
  }

  /** Moves the shared readings forward to now; never back, whoever calls it. */
  private static void advance() {
    advanceTo(System.nanoTime());
    // The wall clock is the system's, jumps included. Two writers (an acquire and the ticker) can
    // race, which at worst moves it back by the time between their two reads.
    wallMillis = System.currentTimeMillis();
  }

  /** Moves the shared {@link System#nanoTime()} reading forward to {@code now}, never back. */
  private static void advanceTo(long now) {
    long current;
    while (now - (current = nanos) > 0) {
      if (NANOS.compareAndSet(current, now)) {
        break;
      }
    }
  }

  /**
   * The shared thread: measures for a window, caches (ticks) while the readings are frequent
   * enough, measures again after {@link #RECHECK}; stops when it is no longer the ticker.
   */
  private static void runWhileLeased() {
    Thread self = Thread.currentThread();
    long windowStart = System.nanoTime();
    long window = WINDOW_NANOS;
    long cachingUntil = 0;
    while (true) {
      boolean ticking = mode != MEASURING;
      LockSupport.parkNanos(ticking ? TICK_NANOS : window);
      synchronized (LOCK) {
        if (ticker != self) {
          return;
        }
      }
      long now = System.nanoTime();
      if (ticking) {
        advance();
        if (now - cachingUntil >= 0) { // measure again: readings go to the clocks from now on
          mode = MEASURING;
          samples = 0;
          windowStart = now;
          window = WINDOW_NANOS;
        }
      } else if (now - windowStart >= window) {
        int counted = (int) SAMPLES.getAndSet(0);
        long readsPerMilli = counted * (long) SAMPLE * 1_000_000L / (now - windowStart);
        windowStart = now;
        window = counted == 0 ? IDLE_WINDOW_NANOS : WINDOW_NANOS;
        if (readsPerMilli >= CACHING_READS_PER_MILLI) {
          // Announced, then advanced, then cached: see nanoTime for why in this order.
          mode = SWITCHING;
          advance();
          mode = CACHING;
          cachingUntil = now + RECHECK_NANOS;
        }
      }
      releaseUnreachable();
    }
  }

  private static void releaseUnreachable() {
    Reference<? extends CoarseTimeSource> gone;
    while ((gone = UNREACHABLE.poll()) != null) {
      synchronized (LOCK) {
        release((Lease) gone);
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
