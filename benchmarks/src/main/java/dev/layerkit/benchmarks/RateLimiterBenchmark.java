package dev.layerkit.benchmarks;

import dev.layerkit.benchmarks.state.KeyCursor;
import dev.layerkit.core.internal.CoarseTimeSource;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import dev.layerkit.gateway.ratelimit.RateLimiters;
import dev.layerkit.gateway.ratelimit.internal.BucketArithmetic;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One in-memory rate-limit decision per key, Layerkit beside what a user would otherwise write:
 * Bucket4j's local lock-free bucket, Resilience4j's {@code RateLimiter} and Guava's
 * {@code RateLimiter}, each kept per key in a {@link ConcurrentHashMap}. Every library gets a
 * burst of {@value #BURST} and a refill of 10^9 a second, so every call is allowed and each runs
 * its full consume path (Guava and Resilience4j have no separate burst setting: Guava stores a
 * second's worth, Resilience4j refreshes 10^6 permits a millisecond). Layerkit decides on its
 * coarse clock first, so on one hot key it drains the burst within a tick and then reads the
 * clock once per burst (a denial on the coarse reading is retried on the clock, which refills it).
 * {@code layerkitExactClock} is Layerkit reading the clock on every decision (a time source other
 * than {@code TimeSource.system()}, wrapping {@code System.nanoTime()}), to show what the coarse
 * clock saves. {@code layerkitArithmeticInMap} is Layerkit's decision (the internal
 * {@code BucketArithmetic}) on states kept in a {@link ConcurrentHashMap} like the anchors' and
 * without metrics or argument checks: the difference to {@code layerkit} is the cost of the
 * bounded, expiring Caffeine store. {@code layerkitTwoLimits} and {@code bucket4jTwoLimits} add a
 * second limit that never binds, so that both libraries check and take from two.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar '\.RateLimiterBenchmark\.' -t 1 -prof gc}
 * and again with {@code -t 2} (after {@code ./mvnw -B -q package -pl benchmarks -am -DskipTests}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RateLimiterBenchmark {

  private static final long RATE_PER_SECOND = 1_000_000_000L;
  private static final long BURST = 1_000;

  @Param({"1", "10000"})
  int keys;

  String[] keyNames;
  RateLimiter layerkit;
  RateLimiter layerkitExactClock;
  RateLimiter layerkitTwoLimits;
  ConcurrentHashMap<String, Bucket> bucket4j;
  ConcurrentHashMap<String, Bucket> bucket4jTwoLimits;
  ConcurrentHashMap<String, io.github.resilience4j.ratelimiter.RateLimiter> resilience4j;
  ConcurrentHashMap<String, com.google.common.util.concurrent.RateLimiter> guava;
  Function<String, Bucket> newBucket;
  Function<String, Bucket> newTwoLimitBucket;
  Function<String, io.github.resilience4j.ratelimiter.RateLimiter> newResilience4j;
  Function<String, com.google.common.util.concurrent.RateLimiter> newGuava;
  BucketArithmetic arithmetic;
  ConcurrentHashMap<String, long[]> arithmeticStates;
  CoarseTimeSource coarseClock;
  long epochNanos;

  /** Builds every limiter and touches every key once, so the measured calls are hits. */
  @Setup
  public void setUp() {
    keyNames = new String[keys];
    for (int i = 0; i < keys; i++) {
      keyNames[i] = "user:" + i;
    }
    RateLimitPolicy policy = RateLimitPolicy.of(Limit.greedy(BURST, RATE_PER_SECOND, Duration.ofSeconds(1)));
    layerkit = RateLimiters.inMemory(policy).build();
    layerkitExactClock = RateLimiters.inMemory(policy).timeSource(new ExactSystemClock()).build();
    bucket4j = new ConcurrentHashMap<>();
    newBucket = key -> Bucket.builder()
        .addLimit(Bandwidth.builder().capacity(BURST).refillGreedy(RATE_PER_SECOND, Duration.ofSeconds(1)).build())
        .build();
    // A second limit that is never the binding one: both libraries check and take from two.
    RateLimitPolicy twoLimits = RateLimitPolicy.of(
        Limit.greedy(BURST, RATE_PER_SECOND, Duration.ofSeconds(1)),
        Limit.greedy(2 * BURST, 2 * RATE_PER_SECOND, Duration.ofSeconds(2)));
    layerkitTwoLimits = RateLimiters.inMemory(twoLimits).build();
    bucket4jTwoLimits = new ConcurrentHashMap<>();
    newTwoLimitBucket = key -> Bucket.builder()
        .addLimit(Bandwidth.builder().capacity(BURST).refillGreedy(RATE_PER_SECOND, Duration.ofSeconds(1)).build())
        .addLimit(Bandwidth.builder().capacity(2 * BURST)
            .refillGreedy(2 * RATE_PER_SECOND, Duration.ofSeconds(2)).build())
        .build();
    RateLimiterConfig r4jConfig = RateLimiterConfig.custom()
        .limitForPeriod(1_000_000).limitRefreshPeriod(Duration.ofMillis(1)).timeoutDuration(Duration.ZERO).build();
    resilience4j = new ConcurrentHashMap<>();
    newResilience4j = key -> io.github.resilience4j.ratelimiter.RateLimiter.of(key, r4jConfig);
    arithmetic = new BucketArithmetic(policy);
    arithmeticStates = new ConcurrentHashMap<>();
    coarseClock = CoarseTimeSource.acquire();
    epochNanos = coarseClock.nanoTime();
    guava = new ConcurrentHashMap<>();
    newGuava = key -> com.google.common.util.concurrent.RateLimiter.create(RATE_PER_SECOND);
    for (String key : keyNames) {
      layerkit.tryAcquire(key);
      layerkitExactClock.tryAcquire(key);
      layerkitTwoLimits.tryAcquire(key);
      bucket4jTwoLimits.computeIfAbsent(key, newTwoLimitBucket).tryConsume(1);
      bucket4j.computeIfAbsent(key, newBucket).tryConsume(1);
      resilience4j.computeIfAbsent(key, newResilience4j).acquirePermission();
      guava.computeIfAbsent(key, newGuava).tryAcquire();
      arithmeticStates.put(key, arithmetic.newState(0));
    }
  }

  /** Releases the benchmark's own coarse-clock lease. */
  @TearDown
  public void tearDown() {
    coarseClock.close();
  }

  /** Anchor: Bucket4j's local lock-free bucket, {@code tryConsume(1)}. */
  @Benchmark
  public boolean bucket4j(KeyCursor cursor) {
    return bucket4j.computeIfAbsent(cursor.next(keyNames), newBucket).tryConsume(1);
  }

  /** Layerkit's in-memory limiter; reads the decision as a gateway would. */
  @Benchmark
  public long layerkit(KeyCursor cursor) {
    var decision = layerkit.tryAcquire(cursor.next(keyNames));
    return decision.allowed() ? decision.remaining() : -decision.retryAfterNanos();
  }

  /**
   * The asynchronous decision the gateway asks for: the in-memory limiter's stage is complete at
   * once, and for a cached allowed decision it is a shared one, so this should allocate what
   * {@code layerkit} allocates (nothing). The stage itself is returned, since reading it through
   * {@code toCompletableFuture()} would measure the copy that makes.
   */
  @Benchmark
  public Object layerkitAsync(KeyCursor cursor) {
    return layerkit.tryAcquireAsync(cursor.next(keyNames));
  }

  /** Bucket4j's local lock-free bucket with two bandwidths, {@code tryConsume(1)}. */
  @Benchmark
  public boolean bucket4jTwoLimits(KeyCursor cursor) {
    return bucket4jTwoLimits.computeIfAbsent(cursor.next(keyNames), newTwoLimitBucket)
        .tryConsume(1);
  }

  /** Layerkit's in-memory limiter with a policy of two limits. */
  @Benchmark
  public long layerkitTwoLimits(KeyCursor cursor) {
    var decision = layerkitTwoLimits.tryAcquire(cursor.next(keyNames));
    return decision.allowed() ? decision.remaining() : -decision.retryAfterNanos();
  }

  /** Layerkit's in-memory limiter reading {@code System.nanoTime()} on every decision. */
  @Benchmark
  public long layerkitExactClock(KeyCursor cursor) {
    var decision = layerkitExactClock.tryAcquire(cursor.next(keyNames));
    return decision.allowed() ? decision.remaining() : -decision.retryAfterNanos();
  }

  /**
   * Layerkit's decision on a state from a {@code ConcurrentHashMap}, as in {@code layerkit}: the
   * coarse clock first, the exact clock again on a denial.
   */
  @Benchmark
  public long layerkitArithmeticInMap(KeyCursor cursor) {
    long[] state = arithmeticStates.get(cursor.next(keyNames));
    long outcome = arithmetic.tryAcquire(state, coarseClock.nanoTime() - epochNanos, 1);
    if (outcome == BucketArithmetic.DENIED) {
      outcome = arithmetic.tryAcquire(state, System.nanoTime() - epochNanos, 1);
    }
    return outcome;
  }

  /**
   * The system clocks behind a source that is not {@code TimeSource.system()}, so the limiter
   * reads it on every decision.
   */
  static final class ExactSystemClock implements TimeSource {
    private final TimeSource system = TimeSource.system();

    @Override
    public long nanoTime() {
      return system.nanoTime();
    }

    @Override
    public Instant instant() {
      return system.instant();
    }
  }

  @Benchmark
  public boolean resilience4j(KeyCursor cursor) {
    return resilience4j.computeIfAbsent(cursor.next(keyNames), newResilience4j).acquirePermission();
  }

  @Benchmark
  public boolean guava(KeyCursor cursor) {
    return guava.computeIfAbsent(cursor.next(keyNames), newGuava).tryAcquire();
  }
}
