package dev.layerkit.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.testing.Concurrently;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.core.time.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The behaviour every {@link RateLimiter} backend must have. A backend's test extends this class
 * and builds its limiter on the {@link ManualTimeSource} it is given, so refills are driven
 * without sleeping; third-party backends can run the same suite from Layerkit's test-jar.
 */
public abstract class RateLimiterContract {

  /** The clock each test drives; starts at a whole second. */
  protected final ManualTimeSource time = new ManualTimeSource();

  /**
   * Returns a new limiter for {@code policy} whose keys start empty of history and which reads
   * time from {@code timeSource}.
   *
   * @param policy the policy
   * @param timeSource the time source to read
   * @return the limiter
   */
  protected abstract RateLimiter newLimiter(RateLimitPolicy policy, TimeSource timeSource);

  private RateLimiter limiter(Limit... limits) {
    return newLimiter(RateLimitPolicy.of(limits), time);
  }

  @Test
  void allowsTheCapacityThenDeniesAndReportsTheExactRetryAfter() {
    RateLimiter limiter = limiter(Limit.perSecond(10));
    for (int i = 9; i >= 0; i--) {
      RateLimitDecision decision = limiter.tryAcquire("k");
      assertThat(decision.allowed()).isTrue();
      assertThat(decision.remaining()).isEqualTo(i);
      assertThat(decision.limit()).isEqualTo(10);
      assertThat(decision.retryAfter()).isZero();
    }
    RateLimitDecision denied = limiter.tryAcquire("k");
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.remaining()).isZero();
    assertThat(denied.retryAfter()).isEqualTo(Duration.ofMillis(100));

    time.advance(Duration.ofMillis(99));
    assertThat(limiter.tryAcquire("k").retryAfter()).isEqualTo(Duration.ofMillis(1));
    time.advance(Duration.ofMillis(1));
    assertThat(limiter.tryAcquire("k").allowed()).isTrue();
    assertThat(limiter.tryAcquire("k").allowed()).isFalse();
  }

  @Test
  void greedyRefillAddsTokensSmoothlyAndNeverAboveCapacity() {
    RateLimiter limiter = limiter(Limit.greedy(5, 1, Duration.ofSeconds(2)));
    assertThat(limiter.tryAcquire("k", 5).allowed()).isTrue();
    time.advance(Duration.ofSeconds(3));
    RateLimitDecision decision = limiter.tryAcquire("k");
    assertThat(decision.allowed()).isTrue();
    assertThat(decision.remaining()).as("1.5 tokens refilled, 1 taken").isZero();
    assertThat(limiter.tryAcquire("k").retryAfter()).as("half a token left: 1 s to a whole one").isEqualTo(Duration.ofSeconds(1));
    time.advance(Duration.ofDays(1));
    assertThat(limiter.tryAcquire("k").remaining()).as("capped at capacity").isEqualTo(4);
  }

  @Test
  void intervalRefillAddsAllTokensAtThePeriodBoundary() {
    RateLimiter limiter = limiter(Limit.interval(5, 5, Duration.ofMinutes(1)));
    assertThat(limiter.tryAcquire("k", 5).allowed()).isTrue();
    time.advance(Duration.ofSeconds(59));
    RateLimitDecision denied = limiter.tryAcquire("k");
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.retryAfter()).isEqualTo(Duration.ofSeconds(1));
    time.advance(Duration.ofSeconds(1));
    RateLimitDecision allowed = limiter.tryAcquire("k", 5);
    assertThat(allowed.allowed()).isTrue();
    assertThat(allowed.remaining()).isZero();
  }

  @Test
  void intervalRefillCarriesUnusedTokensUpToCapacity() {
    RateLimiter limiter = limiter(Limit.interval(10, 4, Duration.ofSeconds(1)));
    assertThat(limiter.tryAcquire("k", 10).allowed()).isTrue();
    time.advance(Duration.ofMillis(2500));
    assertThat(limiter.tryAcquire("k").remaining()).as("two periods: 8 tokens, 1 taken").isEqualTo(7);
    RateLimitDecision denied = limiter.tryAcquire("k", 10);
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.retryAfter()).as("7 + 4 at the next boundary, 0.5 s away").isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void allLimitsMustAllowAndTheLongestWaitIsReported() {
    RateLimiter limiter = limiter(Limit.perSecond(10), Limit.perMinute(15));
    for (int i = 0; i < 10; i++) {
      assertThat(limiter.tryAcquire("k").allowed()).isTrue();
    }
    time.advance(Duration.ofSeconds(1));
    for (int i = 0; i < 5; i++) {
      assertThat(limiter.tryAcquire("k").allowed()).isTrue();
    }
    RateLimitDecision denied = limiter.tryAcquire("k");
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.limit()).as("the per-minute limit binds").isEqualTo(15);
    // Per minute: 15 taken, 0.25 refilled in the 1 s elapsed; a whole token needs 3 s more.
    assertThat(denied.retryAfter()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void aDeniedRequestTakesNothing() {
    RateLimiter limiter = limiter(Limit.perSecond(10), Limit.perMinute(100));
    assertThat(limiter.tryAcquire("k", 7).allowed()).isTrue();
    RateLimitDecision denied = limiter.tryAcquire("k", 5);
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.remaining()).isEqualTo(3);
    assertThat(limiter.tryAcquire("k", 3).allowed()).isTrue();
  }

  @Test
  void keysAreIndependent() {
    RateLimiter limiter = limiter(Limit.perSecond(1));
    assertThat(limiter.tryAcquire("a").allowed()).isTrue();
    assertThat(limiter.tryAcquire("a").allowed()).isFalse();
    assertThat(limiter.tryAcquire("b").allowed()).isTrue();
  }

  @Test
  void millisecondAndDayLongPeriodsCountExactly() {
    RateLimiter fast = limiter(Limit.of(1, Duration.ofMillis(1)));
    assertThat(fast.tryAcquire("k").allowed()).isTrue();
    assertThat(fast.tryAcquire("k").retryAfter()).isEqualTo(Duration.ofMillis(1));

    RateLimiter daily = limiter(Limit.perDay(100_000_000));
    assertThat(daily.tryAcquire("k", 100_000_000).allowed()).isTrue();
    RateLimitDecision denied = daily.tryAcquire("k");
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.retryAfter()).as("86,400,000 ms / 1e8 tokens, rounded up to the ms unit").isEqualTo(Duration.ofMillis(1));

    RateLimiter yearly = limiter(Limit.of(3, Duration.ofDays(366)));
    assertThat(yearly.tryAcquire("k", 3).allowed()).isTrue();
    assertThat(yearly.tryAcquire("k").retryAfter()).isEqualTo(Duration.ofDays(122));
    time.advance(Duration.ofDays(122));
    assertThat(yearly.tryAcquire("k").allowed()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1, Long.MIN_VALUE})
  void rejectsNonPositivePermits(long permits) {
    RateLimiter limiter = limiter(Limit.perSecond(10));
    assertThatThrownBy(() -> limiter.tryAcquire("k", permits))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("permits must be > 0 but was " + permits);
  }

  @Test
  void rejectsPermitsAboveTheSmallestCapacity() {
    RateLimiter limiter = limiter(Limit.perSecond(10), Limit.perMinute(5));
    assertThatThrownBy(() -> limiter.tryAcquire("k", 6))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("permits must be <= the smallest capacity 5 (a larger request could never be allowed) but was 6");
  }

  @Test
  void rejectsNullAndEmptyKeys() {
    RateLimiter limiter = limiter(Limit.perSecond(10));
    assertThatThrownBy(() -> limiter.tryAcquire(null)).isInstanceOf(NullPointerException.class).hasMessage("key");
    assertThatThrownBy(() -> limiter.tryAcquire("")).isInstanceOf(IllegalArgumentException.class).hasMessage("key must not be empty");
  }

  /** The answer of an asynchronous call, waited for by the test (never by the limiter's caller). */
  private static RateLimitDecision await(CompletionStage<RateLimitDecision> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void tryAcquireAsyncDecidesLikeTryAcquireOnTheSameBuckets() throws Exception {
    RateLimiter limiter = limiter(Limit.perSecond(10));
    for (int i = 9; i >= 5; i--) {
      RateLimitDecision decision = await(limiter.tryAcquireAsync("k"));
      assertThat(decision.allowed()).isTrue();
      assertThat(decision.remaining()).isEqualTo(i);
      assertThat(decision.limit()).isEqualTo(10);
    }
    assertThat(limiter.tryAcquire("k", 4).remaining()).as("the same buckets, sync and async").isEqualTo(1);
    assertThat(await(limiter.tryAcquireAsync("k", 1)).remaining()).isZero();
    RateLimitDecision denied = await(limiter.tryAcquireAsync("k", 1));
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.retryAfter()).isEqualTo(Duration.ofMillis(100));
    time.advance(Duration.ofMillis(100));
    assertThat(await(limiter.tryAcquireAsync("k")).allowed()).isTrue();
  }

  @Test
  void tryAcquireAsyncThrowsBadArgumentsAtOnce() {
    RateLimiter limiter = limiter(Limit.perSecond(10), Limit.perMinute(5));
    assertThatThrownBy(() -> limiter.tryAcquireAsync(null)).isInstanceOf(NullPointerException.class).hasMessage("key");
    assertThatThrownBy(() -> limiter.tryAcquireAsync("")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key must not be empty");
    assertThatThrownBy(() -> limiter.tryAcquireAsync("k", 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("permits must be > 0 but was 0");
    assertThatThrownBy(() -> limiter.tryAcquireAsync("k", 6)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("permits must be <= the smallest capacity 5 (a larger request could never be allowed) but was 6");
  }

  /**
   * Eight threads each start many asynchronous decisions on one key without waiting for any, then
   * all are awaited: exactly the capacity is admitted (time stands still, so nothing refills).
   */
  @Test
  void eightThreadsStartingAsyncDecisionsOnOneKeyAdmitExactlyTheCapacity() throws Exception {
    RateLimiter limiter = limiter(Limit.greedy(100, 100, Duration.ofSeconds(1)));
    List<CompletableFuture<RateLimitDecision>> all = java.util.Collections.synchronizedList(new ArrayList<>());
    Concurrently.run(8, () -> {
      for (int i = 0; i < 50; i++) {
        all.add(limiter.tryAcquireAsync("hot").toCompletableFuture());
      }
    });
    AtomicLong admitted = new AtomicLong();
    for (CompletableFuture<RateLimitDecision> decision : all) {
      if (await(decision).allowed()) {
        admitted.incrementAndGet();
      }
    }
    assertThat(all).hasSize(400);
    assertThat(admitted.get()).isEqualTo(100);
  }

  @Test
  void eightThreadsOnOneKeyNeverExceedCapacityPlusRefill() throws Exception {
    assertConcurrentAdmissionsBounded(1, 1_000);
  }

  @Test
  void eightThreadsOnAThousandKeysNeverExceedCapacityPlusRefill() throws Exception {
    assertConcurrentAdmissionsBounded(1_000, 25);
  }

  /**
   * With several limits a request takes from all or none, also under contention: eight threads on
   * one key admit, step by step, exactly what one thread draining a twin key admits.
   */
  @Test
  void eightThreadsOnOneKeyWithTwoLimitsAdmitWhatOneThreadWould() throws Exception {
    RateLimiter limiter = limiter(Limit.greedy(50, 100, Duration.ofSeconds(1)),
        Limit.greedy(80, 1_000, Duration.ofMinutes(1)));
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int s = 0; s <= 5; s++) {
        AtomicLongArray admitted = new AtomicLongArray(1);
        Concurrently.run(pool, threads, () -> {
          for (int i = 0; i < 100; i++) {
            if (limiter.tryAcquire("hot").allowed()) {
              admitted.incrementAndGet(0);
            }
          }
        });
        long expected = 0;
        while (limiter.tryAcquire("twin").allowed()) {
          expected++;
        }
        assertThat(admitted.get(0)).as("admitted in step %d", s).isEqualTo(expected).isPositive();
        time.advance(Duration.ofMillis(100));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Eight threads hammer {@code keys} keys while this thread advances time in steps; for every
   * key, admissions must not exceed capacity plus the refill over the elapsed time, and no token
   * may be lost: what the threads were admitted plus what one thread can still take at the end is
   * exactly that bound. (A lock-free limiter may deny a request that races another's overdraft on
   * credit that comes back a moment later, so the threads alone may fall short of the bound; the
   * credit must still be there.)
   */
  private void assertConcurrentAdmissionsBounded(int keys, int requestsPerKeyPerStep) throws Exception {
    long capacity = 50;
    long perSecond = 100;
    RateLimiter limiter = limiter(Limit.greedy(capacity, perSecond, Duration.ofSeconds(1)));
    int threads = 8;
    int steps = 5;
    Duration step = Duration.ofMillis(100);
    AtomicLongArray admitted = new AtomicLongArray(keys);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int s = 0; s <= steps; s++) {
        Concurrently.run(pool, threads, () -> {
          for (int i = 0; i < requestsPerKeyPerStep * keys / threads + 1; i++) {
            int key = i % keys;
            if (limiter.tryAcquire("key-" + key).allowed()) {
              admitted.incrementAndGet(key);
            }
          }
        });
        if (s < steps) {
          time.advance(step);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    long elapsedMillis = steps * step.toMillis();
    long bound = capacity + perSecond * elapsedMillis / 1000;
    for (int key = 0; key < keys; key++) {
      assertThat(admitted.get(key)).as("admissions for key-%d", key).isLessThanOrEqualTo(bound);
      long left = 0;
      while (limiter.tryAcquire("key-" + key).allowed()) {
        left++;
      }
      assertThat(admitted.get(key) + left).as("admissions plus credit left for key-%d", key).isEqualTo(bound);
    }
  }
}
