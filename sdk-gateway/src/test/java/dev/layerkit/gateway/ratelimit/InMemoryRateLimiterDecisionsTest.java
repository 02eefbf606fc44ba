package dev.layerkit.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.time.ManualTimeSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the in-memory limiter's decisions report with several limits, which of them it shares
 * (allocation-free), and its builder's package-private settings; the behaviour every backend
 * shares is sdk-test's contract suite.
 */
class InMemoryRateLimiterDecisionsTest {

  private final ManualTimeSource time = new ManualTimeSource();

  @Test
  void aDecisionReportsTheRemainingAndCapacityOfTheLimitThatBinds() {
    RateLimiter limiter = RateLimiters.inMemory(
        RateLimitPolicy.of(Limit.interval(10, 10, Duration.ofSeconds(1)), Limit.interval(15, 15, Duration.ofMinutes(1))))
        .timeSource(time).build();
    assertThat(limiter.tryAcquire("k")).as("the per-second limit is the tighter")
        .isEqualTo(RateLimitDecision.allowed(9, 10));
    limiter.tryAcquire("k", 9);
    time.advance(Duration.ofSeconds(1));
    assertThat(limiter.tryAcquire("k")).as("10 refilled per second, 5 left per minute: the minute binds")
        .isEqualTo(RateLimitDecision.allowed(4, 15));
    RateLimitDecision denied = limiter.tryAcquire("k", 5);
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.remaining()).isEqualTo(4);
    assertThat(denied.limit()).isEqualTo(15);
    assertThat(denied.retryAfter()).as("the minute's next refill").isEqualTo(Duration.ofSeconds(59));
  }

  @Test
  void allowedDecisionsWithFewRemainingAreSharedAndOthersBuiltEqual() {
    RateLimiter small = RateLimiters.inMemory(RateLimitPolicy.of(Limit.perSecond(10))).timeSource(time).build();
    RateLimitDecision first = small.tryAcquire("a");
    assertThat(small.tryAcquire("b")).as("remaining 9 of 10 again: the shared instance").isSameAs(first);

    RateLimiter large = RateLimiters.inMemory(RateLimitPolicy.of(Limit.perSecond(5_000))).timeSource(time).build();
    RateLimitDecision many = large.tryAcquire("a");
    RateLimitDecision again = large.tryAcquire("b");
    assertThat(again).isEqualTo(RateLimitDecision.allowed(4_999, 5_000)).isEqualTo(many);
    assertThat(again).as("4,999 remaining is beyond the shared table").isNotSameAs(many);
    large.tryAcquire("c", 3_976);
    RateLimitDecision last = large.tryAcquire("c");
    assertThat(last).isEqualTo(RateLimitDecision.allowed(1_023, 5_000)).isSameAs(large.tryAcquire("d", 3_977));
  }

  @Test
  void theCountersCountEachDecisionOnce() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RateLimiter limiter = RateLimiters.inMemory(RateLimitPolicy.of(Limit.perMinute(2))).name("api")
        .timeSource(time).meterRegistry(registry).build();
    limiter.tryAcquire("k");
    limiter.tryAcquire("k");
    limiter.tryAcquire("k");
    assertThat(registry.get("layerkit.ratelimit.decisions").tag("name", "api").tag("result", "allowed").counter()
        .count()).isEqualTo(2);
    assertThat(registry.get("layerkit.ratelimit.decisions").tag("name", "api").tag("result", "denied").counter()
        .count()).isEqualTo(1);
    assertThat(registry.get("layerkit.ratelimit.keys").tag("name", "api").gauge().value()).isEqualTo(1);
  }

  /**
   * A clock's readings are arbitrary (System.nanoTime's origin is): a limiter built on a clock that
   * has run for a hundred days counts only what happens after, on the lagging clock and the real
   * one alike.
   */
  @Test
  void aClockThatRanLongBeforeTheLimiterWasBuiltCountsOnlyTheTimeSince() {
    // Not a whole number of periods: an interval bucket's periods start when it was made.
    Duration ranBefore = Duration.ofDays(100).plusMinutes(20);
    time.advance(ranBefore);
    ManualTimeSource lagging = new ManualTimeSource();
    lagging.advance(ranBefore);
    RateLimitPolicy policy = RateLimitPolicy.of(Limit.interval(3, 3, Duration.ofHours(1)));
    RateLimiter exact = RateLimiters.inMemory(policy).timeSource(time).build();
    RateLimiter coarse = RateLimiters.inMemory(policy).timeSource(time).staleClock(lagging).build();
    for (RateLimiter limiter : List.of(exact, coarse)) {
      assertThat(limiter.tryAcquire("k", 3)).isEqualTo(RateLimitDecision.allowed(0, 3));
      RateLimitDecision denied = limiter.tryAcquire("k");
      assertThat(denied.allowed()).isFalse();
      assertThat(denied.retryAfter()).as("one whole period").isEqualTo(Duration.ofHours(1));
    }
    time.advance(Duration.ofHours(1).minusNanos(1));
    lagging.advance(Duration.ofHours(1).minusMillis(1)); // a tick behind
    assertThat(exact.tryAcquire("k").allowed()).as("a nanosecond early").isFalse();
    assertThat(coarse.tryAcquire("k").allowed()).as("a nanosecond early on the real clock").isFalse();
    time.advanceNanos(1);
    assertThat(exact.tryAcquire("k")).isEqualTo(RateLimitDecision.allowed(2, 3));
    assertThat(coarse.tryAcquire("k")).isEqualTo(RateLimitDecision.allowed(2, 3));

    // A key first used half a period later: its periods start then, not at the limiter's start.
    time.advance(Duration.ofMinutes(30));
    lagging.advance(Duration.ofMinutes(30).plusMillis(1)); // caught up with the real clock
    for (RateLimiter limiter : List.of(exact, coarse)) {
      assertThat(limiter.tryAcquire("late", 3)).isEqualTo(RateLimitDecision.allowed(0, 3));
      assertThat(limiter.tryAcquire("late").retryAfter()).as("one whole period").isEqualTo(Duration.ofHours(1));
    }
  }

  @Test
  void builderRefusesEachSettingGivenTwice() {
    InMemoryRateLimiterBuilder builder = RateLimiters.inMemory(RateLimitPolicy.of(Limit.perSecond(1)))
        .timeSource(time).meterRegistry(new SimpleMeterRegistry()).staleClock(time);
    assertThatThrownBy(() -> builder.timeSource(time))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("timeSource was already set to ");
    assertThatThrownBy(() -> builder.meterRegistry(new SimpleMeterRegistry()))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("meterRegistry was already set to ");
    assertThatThrownBy(() -> builder.staleClock(time))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("staleClock was already set to ");
    assertThatThrownBy(() -> builder.timeSource(null)).isInstanceOf(NullPointerException.class).hasMessage("timeSource");
  }
}
