package dev.layerkit.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.testing.Concurrently;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.core.time.TimeSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

class InMemoryRateLimiterTest extends RateLimiterContract {

  @Override
  protected RateLimiter newLimiter(RateLimitPolicy policy, TimeSource timeSource) {
    return RateLimiters.inMemory(policy).timeSource(timeSource).build();
  }

  @Test
  void asyncDecisionsAreCompleteAtOnceAndAllowedOnesShareOneStagePerOutcome() {
    RateLimiter limiter = newLimiter(RateLimitPolicy.of(Limit.perSecond(10)), time);
    CompletionStage<RateLimitDecision> first = limiter.tryAcquireAsync("a");
    CompletionStage<RateLimitDecision> sameOutcome = limiter.tryAcquireAsync("b");

    assertThat(first.toCompletableFuture()).isCompletedWithValue(RateLimitDecision.allowed(9, 10));
    // Compared as references: AssertJ would look at a stage through a copy.
    assertThat(sameOutcome == first).as("remaining 9 of 10 again: the cached stage, nothing allocated")
        .isTrue();
    // A caller cannot change a shared stage: it hands out copies to complete.
    CompletableFuture<RateLimitDecision> copy = first.toCompletableFuture();
    copy.obtrudeValue(RateLimitDecision.allowed(0, 10));
    assertThat(first.toCompletableFuture().getNow(null)).isEqualTo(RateLimitDecision.allowed(9, 10));

    limiter.tryAcquire("a", 9);
    CompletionStage<RateLimitDecision> denied = limiter.tryAcquireAsync("a");
    assertThat(denied.toCompletableFuture().getNow(null).allowed()).as("complete at once").isFalse();
  }

  @Test
  void idleKeysExpireOnlyOnceTheirBucketWouldBeFullAgain() {
    InMemoryRateLimiter limiter = (InMemoryRateLimiter) RateLimiters.inMemory(RateLimitPolicy.of(Limit.perSecond(10)))
        .timeSource(time).build();
    Duration expiry = InMemoryRateLimiter.idleExpiry(Duration.ofSeconds(1).toNanos());
    assertThat(expiry).isEqualTo(Duration.ofSeconds(4));
    for (int i = 0; i < 100; i++) {
      limiter.tryAcquire("key-" + i);
    }
    assertThat(limiter.estimatedKeys()).isEqualTo(100);
    time.advance(expiry.minusNanos(1));
    assertThat(limiter.estimatedKeys()).as("kept for the whole expiry").isEqualTo(100);
    time.advanceNanos(1);
    assertThat(limiter.estimatedKeys()).isZero();
    assertThat(limiter.tryAcquire("key-0").remaining()).as("a new full bucket").isEqualTo(9);
  }

  /**
   * A key in use has its entry renewed every half expiry, so its state (here, an emptied bucket
   * that refills slower than it is used) survives however long it is used; a new state would
   * hand it a full bucket.
   */
  @Test
  void aKeyInUseNeverExpires() {
    InMemoryRateLimiter limiter = (InMemoryRateLimiter) RateLimiters.inMemory(
        RateLimitPolicy.of(Limit.greedy(10, 1, Duration.ofSeconds(1)))).timeSource(time).build();
    for (int i = 0; i < 10; i++) {
      assertThat(limiter.tryAcquire("hot").allowed()).isTrue();
    }
    // Full-refill time 10 s: expiry 22 s. Use the key every 3 s for two minutes, each use
    // taking the 3 tokens refilled since the last.
    for (int step = 0; step < 40; step++) {
      time.advance(Duration.ofSeconds(3));
      RateLimitDecision decision = limiter.tryAcquire("hot", 3);
      assertThat(decision.allowed()).as("step %d", step).isTrue();
      assertThat(decision.remaining()).as("no fresh bucket at step %d", step).isZero();
    }
  }

  @Test
  void holdsAtMostMaximumKeys() {
    InMemoryRateLimiter limiter = (InMemoryRateLimiter) RateLimiters.inMemory(RateLimitPolicy.of(Limit.perMinute(10)))
        .timeSource(time).maximumKeys(1_000).build();
    for (int i = 0; i < 5_000; i++) {
      limiter.tryAcquire("key-" + i);
    }
    assertThat(limiter.estimatedKeys()).isLessThanOrEqualTo(1_000);
  }

  @Test
  void countsDecisionsInTheMeterRegistry() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RateLimiter limiter = RateLimiters.inMemory(RateLimitPolicy.of(Limit.perSecond(2)))
        .name("api").timeSource(time).meterRegistry(registry).build();
    for (int i = 0; i < 5; i++) {
      limiter.tryAcquire("k");
    }
    assertThat(registry.get("layerkit.ratelimit.decisions").tag("name", "api").tag("result", "allowed").counter().count())
        .isEqualTo(2);
    assertThat(registry.get("layerkit.ratelimit.decisions").tag("name", "api").tag("result", "denied").counter().count())
        .isEqualTo(3);
    assertThat(registry.get("layerkit.ratelimit.keys").tag("name", "api").gauge().value()).isEqualTo(1);
  }

  /**
   * On the system time source decisions read the coarse clock, which lags real time: whatever the
   * scheduling, eight threads on one key must never get more than the capacity plus the refill
   * over the real time that has passed since the limiter was made (an upper bound only: how many
   * are admitted depends on the machine's speed).
   */
  @Test
  void onTheSystemClockEightThreadsOnOneKeyNeverGetMoreThanRealElapsedTimeRefills() throws Exception {
    long capacity = 100;
    long perSecond = 10_000;
    long start = System.nanoTime();
    InMemoryRateLimiter limiter = (InMemoryRateLimiter) RateLimiters.inMemory(
        RateLimitPolicy.of(Limit.greedy(capacity, perSecond, Duration.ofSeconds(1)))).build();
    assertThat(limiter.decidesOnCoarseClock()).isTrue();
    LongAdder admitted = new LongAdder();
    Concurrently.run(8, () -> {
      for (int i = 0; i < 50_000; i++) {
        if (limiter.tryAcquire("hot").allowed()) {
          admitted.increment();
        }
      }
    });
    long elapsedNanos = System.nanoTime() - start;

    long bound = capacity + perSecond * elapsedNanos / 1_000_000_000L;
    assertThat(admitted.sum()).isPositive().isLessThanOrEqualTo(bound);
  }

  @Test
  void decidesOnTheCoarseClockOnlyWithSystemTime() {
    assertThat(((InMemoryRateLimiter) RateLimiters.inMemory(RateLimitPolicy.of(Limit.perMinute(100))).build())
        .decidesOnCoarseClock()).isTrue();
    assertThat(((InMemoryRateLimiter) RateLimiters.inMemory(RateLimitPolicy.of(Limit.perMinute(100))).timeSource(time)
        .build()).decidesOnCoarseClock()).as("a manual clock").isFalse();
  }

  /**
   * Allowed decisions read only the lagging clock; a denial on it is decided again on the real
   * clock, so a bucket that refilled since the last tick admits at once and a denial's retry-after
   * is exact. Deterministic: both clocks are manual.
   */
  @Test
  void aDenialOnTheLaggingClockIsDecidedAgainOnTheRealOne() {
    ManualTimeSource lagging = new ManualTimeSource();
    CountingTimeSource real = new CountingTimeSource(time);
    InMemoryRateLimiter limiter = (InMemoryRateLimiter) RateLimiters.inMemory(
            RateLimitPolicy.of(Limit.greedy(10, 1_000_000, Duration.ofSeconds(1))))
        .timeSource(real).staleClock(lagging).build();

    for (int i = 0; i < 10; i++) {
      assertThat(limiter.tryAcquire("k").allowed()).isTrue();
    }
    assertThat(real.reads).as("allowed decisions read no real clock").isZero();

    time.advanceNanos(5_000);  // five tokens' worth, and the lagging clock has not ticked
    RateLimitDecision refilled = limiter.tryAcquire("k");
    assertThat(refilled.allowed()).isTrue();
    assertThat(refilled.remaining()).isEqualTo(4);
    assertThat(real.reads).isEqualTo(1);
    for (int i = 0; i < 4; i++) {
      assertThat(limiter.tryAcquire("k").allowed()).isTrue();
    }

    RateLimitDecision denied = limiter.tryAcquire("k");
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.retryAfterNanos()).isEqualTo(1_000);
    lagging.advanceNanos(3_000);  // a tick behind real time: still refills nothing new
    assertThat(limiter.tryAcquire("k").allowed()).isFalse();
  }

  /** A time source that counts its monotonic readings. */
  private static final class CountingTimeSource implements TimeSource {
    private final TimeSource delegate;
    int reads;

    CountingTimeSource(TimeSource delegate) {
      this.delegate = delegate;
    }

    @Override
    public long nanoTime() {
      reads++;
      return delegate.nanoTime();
    }

    @Override
    public Instant instant() {
      return delegate.instant();
    }
  }

  @Test
  void builderRejectsBadOptions() {
    InMemoryRateLimiterBuilder builder = RateLimiters.inMemory(RateLimitPolicy.of(Limit.perSecond(1)));
    assertThatThrownBy(() -> builder.maximumKeys(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maximumKeys must be > 0 but was 0");
    assertThatThrownBy(() -> builder.name(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("name must not be blank but was ' '");
    assertThatThrownBy(() -> RateLimiters.inMemory(null))
        .isInstanceOf(NullPointerException.class).hasMessage("policy");
  }

  @Test
  void builderRejectsASettingGivenTwice() {
    InMemoryRateLimiterBuilder builder = RateLimiters.inMemory(RateLimitPolicy.of(Limit.perSecond(1)))
        .name("api").maximumKeys(10);
    assertThatThrownBy(() -> builder.name("web"))
        .isInstanceOf(IllegalStateException.class).hasMessage("name was already set to api");
    assertThatThrownBy(() -> builder.maximumKeys(20))
        .isInstanceOf(IllegalStateException.class).hasMessage("maximumKeys was already set to 10");
  }
}
