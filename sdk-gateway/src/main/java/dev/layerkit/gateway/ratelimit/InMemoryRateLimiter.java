package dev.layerkit.gateway.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.layerkit.core.internal.CoarseTimeSource;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.gateway.ratelimit.internal.BucketArithmetic;
import dev.layerkit.gateway.ratelimit.internal.RateLimitArguments;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A {@link RateLimiter} for one process: per-key token buckets held in a bounded Caffeine cache.
 *
 * <h2>Design</h2>
 *
 * <p>A key's state is one {@code long[]} holding each limit's credit and last refill time (see
 * {@link BucketArithmetic} for the exact integer model). A decision looks the array up (a Caffeine
 * hit allocates nothing), then refills and takes permits in place by atomic operations alone, with
 * no lock, whatever the number of limits: a thread that is descheduled mid-decision holds up no
 * other. A take is one atomic add on each limit's credit, so two threads on one hot key cost what
 * Bucket4j's lock-free bucket costs, without its allocation of a state copy per decision; a
 * request denied by one limit returns what it took from the others, so it takes from every limit
 * or from none. A request racing another thread's refill or denial may be decided on less credit
 * than a moment later, never on more (see {@link BucketArithmetic#tryAcquire}). An allowed
 * decision allocates nothing ({@code benchmarks/README.md} compares them with Bucket4j), in
 * {@link #tryAcquireAsync} too, whose stage is complete when it returns.
 *
 * <h2>Memory</h2>
 *
 * <p>Idle keys expire no sooner than the policy's full-refill time after their last use, and at
 * most twice that plus two seconds after: by then their bucket is full, so dropping it and
 * starting a new full one later changes nothing. (The margin lets a hot key's lookups read its
 * entry without writing it; see {@link #idleExpiry}.) The cache also holds at most
 * {@link InMemoryRateLimiterBuilder#maximumKeys(long)} keys (default
 * {@value InMemoryRateLimiterBuilder#DEFAULT_MAXIMUM_KEYS}); evicting an active key early hands it
 * a full bucket, so size the bound above the number of keys active within one refill time. A key costs about 260 bytes of heap with one or two limits, plus the
 * key string ({@code RateLimiterMemoryReport} in {@code benchmarks/}), so a million keys take
 * about 260 MB besides their names. (The credits have a cache line of their own, away from the
 * words decisions only read and from the cache entry allocated after the state, so that two
 * threads on one key trade only that line; 112 of the bytes are the padding.)
 *
 * <p>A request that races with the expiry of its key's idle state may be counted against the
 * dropped state; since that state was full, the effect is at most one full bucket's worth for that
 * one race.
 *
 * <h2>Time</h2>
 *
 * <p>With {@link TimeSource#system()} (the default) a decision is first made on a
 * {@link CoarseTimeSource} reading instead of a clock read, which in a virtual machine costs
 * about as much as the rest of a decision. That reading is a past value of the system clock,
 * never ahead of it, so a bucket refills only for time that has really passed: <b>no request is
 * admitted before its tokens have been refilled</b>. A request the coarse reading would deny
 * (which takes nothing) is decided again on a fresh clock read, so a denial, its
 * {@code retryAfter} and the refill of a fast bucket are as exact as with the clock alone; only
 * allowed decisions skip the read, and their {@code remaining} may leave out what refilled since
 * the last tick. One bounded difference remains: an allowed request is accounted at the tick's
 * time, up to about a millisecond (one tick, more if the ticking thread is descheduled) before it
 * arrived, so refill a full bucket would have wasted in between is not wasted. Over any interval
 * a key is then admitted at most capacity + rate &times; (interval + that staleness), one tick's
 * refill more than an exact clock allows: less than one permit for rates below 1,000 a second.
 * Two threads may also read ticks in either order; a decision whose reading is older than the
 * bucket's last refill refills nothing. With any other source (a test's
 * {@code ManualTimeSource}) every decision reads that source, exactly as before.
 *
 * <p>Thread-safe. Metrics, when a registry is given: {@code layerkit.ratelimit.decisions}
 * (counter, tags {@code name}, {@code result=allowed|denied}) and {@code layerkit.ratelimit.keys}
 * (gauge of tracked keys, tag {@code name}).
 *
 * <p>Built by {@link RateLimiters#inMemory(RateLimitPolicy)}.
 */
final class InMemoryRateLimiter implements RateLimiter {

  private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

  /** Added to the full-refill time in the idle expiry; see {@link #idleExpiry(long)}. */
  static final Duration IDLE_SLACK = Duration.ofSeconds(1);

  private final String name;
  private final RateLimitPolicy policy;
  private final BucketArithmetic arithmetic;
  private final TimeSource timeSource;
  /** Held for the limiter's life, released once it is collected (a limiter has no close). */
  private final @Nullable CoarseTimeSource coarseClock;
  /**
   * The clock decisions are first made on, never ahead of {@link #timeSource}: the coarse clock, a
   * test's stand-in for it, or null to read {@code timeSource} alone.
   */
  private final @Nullable TimeSource staleClock;
  private final long epochNanos;
  private final Cache<String, long[]> states;
  private final Function<String, long[]> newState;
  /** How long after its last renewal a used key's entry is written again, so it stays. */
  private final long renewAfterNanos;
  private final int touchedIndex;
  private final AllowedDecisions decisions;
  private final @Nullable Counter allowedCounter;
  private final @Nullable Counter deniedCounter;

  InMemoryRateLimiter(InMemoryRateLimiterBuilder builder) {
    this.name = builder.name;
    this.policy = builder.policy;
    this.arithmetic = new BucketArithmetic(policy);
    this.timeSource = builder.timeSource;
    CoarseTimeSource coarse = builder.staleClock == null && timeSource == TimeSource.system()
        ? CoarseTimeSource.acquire() : null;
    this.coarseClock = coarse;
    TimeSource stale = coarse != null ? coarse : builder.staleClock;
    this.staleClock = stale;
    // From the clock decisions read first, so that times since the epoch are never negative.
    this.epochNanos = stale != null ? stale.nanoTime() : timeSource.nanoTime();
    // Caffeine reads its ticker on every hit: the coarse clock costs no clock read.
    Ticker ticker = stale != null ? stale::nanoTime : timeSource::nanoTime;
    Duration idleExpiry = idleExpiry(arithmetic.fullRefillNanos());
    this.renewAfterNanos = idleExpiry.toNanos() / 2;
    this.touchedIndex = arithmetic.touchedIndex();
    this.states = Caffeine.newBuilder()
        .maximumSize(builder.maximumKeys)
        .expireAfterWrite(idleExpiry)
        .ticker(ticker)
        // Maintenance stays on Caffeine's default executor: on the calling thread it measured
        // slower with two threads on a hot key (benchmarks/README.md). Expiry does not wait for
        // it (Caffeine checks it on every read), and estimatedKeys() runs it first.
        .build();
    this.newState = key -> {
      long now = nowNanos();
      long[] state = arithmetic.newState(now);
      state[touchedIndex] = now;
      return state;
    };
    this.decisions = new AllowedDecisions(policy);
    MeterRegistry registry = builder.meterRegistry;
    if (registry != null) {
      allowedCounter = Counter.builder("layerkit.ratelimit.decisions")
          .description("Rate-limit decisions")
          .tag("name", name).tag("result", "allowed").register(registry);
      deniedCounter = Counter.builder("layerkit.ratelimit.decisions")
          .description("Rate-limit decisions")
          .tag("name", name).tag("result", "denied").register(registry);
      Gauge.builder("layerkit.ratelimit.keys", states, Cache::estimatedSize)
          .description("Keys with rate-limit state in memory")
          .tag("name", name).register(registry);
    } else {
      allowedCounter = null;
      deniedCounter = null;
    }
  }

  @Override
  public RateLimitDecision tryAcquire(String key, long permits) {
    RateLimitArguments.key(key);
    arithmetic.checkPermits(permits);
    TimeSource stale = staleClock;
    // On the coarse clock first: a reading that is never ahead of real time cannot admit early.
    long now = (stale != null ? stale.nanoTime() : timeSource.nanoTime()) - epochNanos;
    long[] state = states.get(key, newState);
    renewIfDue(key, state, now);
    // The common path stays small enough for the JIT to compile as one piece; denials (which
    // allocate their decision) are a call.
    long outcome = arithmetic.tryAcquire(state, now, permits);
    if (outcome == BucketArithmetic.DENIED) {
      return decideDenied(state, now, permits, stale == null);
    }
    if (allowedCounter != null) {
      allowedCounter.increment();
    }
    return decisions.allowed(BucketArithmetic.remaining(outcome), arithmetic.limit(outcome));
  }

  /**
   * Decides at once, on the calling thread, as {@link #tryAcquire(String, long)} does: the stage
   * is complete when returned. An allowed decision that {@code tryAcquire} serves without
   * allocating comes in a stage shared by all such decisions, so it allocates nothing either.
   */
  @Override
  public CompletionStage<RateLimitDecision> tryAcquireAsync(String key, long permits) {
    return decisions.completed(tryAcquire(key, permits));
  }

  /**
   * After a denial: decides again on the exact clock if the denial was on the coarse one (which
   * took nothing; the real clock may have refilled since), else builds the denial.
   */
  private RateLimitDecision decideDenied(long[] state, long now, long permits, boolean exact) {
    if (!exact) {
      now = timeSource.nanoTime() - epochNanos;
      long outcome = arithmetic.tryAcquire(state, now, permits);
      if (outcome != BucketArithmetic.DENIED) {
        if (allowedCounter != null) {
          allowedCounter.increment();
        }
        return decisions.allowed(BucketArithmetic.remaining(outcome), arithmetic.limit(outcome));
      }
    }
    if (deniedCounter != null) {
      deniedCounter.increment();
    }
    long current = arithmetic.current(state);
    return new RateLimitDecision(false, BucketArithmetic.remaining(current),
        arithmetic.limit(current), arithmetic.retryAfterNanos(state, now, permits));
  }

  /**
   * Returns how long a key's entry lives after it was last written: twice its full-refill time
   * plus {@link #IDLE_SLACK}. A key in use has its entry written again once half of that has
   * passed ({@link #renewIfDue}), so a key expires no sooner than its full-refill time after its
   * last use, when its bucket is full again and a new one is the same.
   *
   * <p>Why not Caffeine's expire-after-access: for expiries within its one-second tolerance it
   * writes the entry's access time on every hit, and its maintenance does more per read; two
   * threads looking up one such entry measured 170 to 240 ns a lookup, against 9 to 14 ns for
   * expire-after-write. Renewing costs one write per key in use per half expiry. The slack covers
   * Caffeine's one-second tolerance in recording a write's time.
   */
  static Duration idleExpiry(long fullRefillNanos) {
    return IDLE_SLACK.plusNanos(Math.max(1, fullRefillNanos)).multipliedBy(2);
  }

  /**
   * Writes the key's entry again if half its expiry has passed since it was last written, so that
   * a key in use never expires; one thread wins the renewal.
   */
  private void renewIfDue(String key, long[] state, long now) {
    int slot = touchedIndex;
    long touched = (long) LONGS.getOpaque(state, slot);
    if (now - touched >= renewAfterNanos && LONGS.compareAndSet(state, slot, touched, now)) {
      renew(key, state);
    }
  }

  /** Writes the entry again; a no-op if it was dropped meanwhile (its state was full then). */
  private void renew(String key, long[] state) {
    states.asMap().replace(key, state, state);
  }

  /** Returns whether decisions read the coarse clock; for tests. */
  boolean decidesOnCoarseClock() {
    return coarseClock != null;
  }

  /** Nanoseconds since the limiter's epoch, on the clock decisions are first made on. */
  private long nowNanos() {
    TimeSource stale = staleClock;
    return (stale != null ? stale.nanoTime() : timeSource.nanoTime()) - epochNanos;
  }

  @Override
  public RateLimitPolicy policy() {
    return policy;
  }

  /** Returns the limiter's name. */
  String name() {
    return name;
  }

  /** Returns an estimate of the keys currently tracked; for tests. */
  long estimatedKeys() {
    states.cleanUp();
    return states.estimatedSize();
  }

  @Override
  public String toString() {
    return "InMemoryRateLimiter{name=" + name + ", policy=" + policy + '}';
  }
}
