package dev.layerkit.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The public factories of a decision, what it reports, and its value semantics. */
class RateLimitDecisionTest {

  @Test
  void factoriesAcceptTheSmallestValidNumbers() {
    RateLimitDecision allowed = RateLimitDecision.allowed(0, 1);
    assertThat(allowed.allowed()).isTrue();
    assertThat(allowed.remaining()).isZero();
    assertThat(allowed.limit()).isEqualTo(1);
    assertThat(allowed.retryAfter()).isEqualTo(Duration.ZERO);
    assertThat(allowed.retryAfterNanos()).isZero();

    RateLimitDecision denied = RateLimitDecision.denied(0, 1, 1);
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.remaining()).isZero();
    assertThat(denied.limit()).isEqualTo(1);
    assertThat(denied.retryAfter()).isEqualTo(Duration.ofNanos(1));
    assertThat(denied.retryAfterNanos()).isEqualTo(1);
  }

  @Test
  void factoriesRejectOutOfRangeNumbersNamingThem() {
    assertThatThrownBy(() -> RateLimitDecision.allowed(-1, 10))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("remaining must be >= 0 but was -1");
    assertThatThrownBy(() -> RateLimitDecision.allowed(0, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("limit must be > 0 but was 0");
    assertThatThrownBy(() -> RateLimitDecision.denied(-1, 10, 5))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("remaining must be >= 0 but was -1");
    assertThatThrownBy(() -> RateLimitDecision.denied(0, 0, 5))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("limit must be > 0 but was 0");
    assertThatThrownBy(() -> RateLimitDecision.denied(0, 10, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("retryAfterNanos must be > 0 but was 0");
  }

  @Test
  void aDenialReportsItsWaitExactly() {
    RateLimitDecision denied = RateLimitDecision.denied(3, 10, 1_500_000_001L);

    assertThat(denied.retryAfter()).isEqualTo(Duration.ofSeconds(1, 500_000_001));
    assertThat(denied.retryAfterNanos()).isEqualTo(1_500_000_001L);
    assertThat(denied.remaining()).isEqualTo(3);
    assertThat(denied.limit()).isEqualTo(10);
  }

  @Test
  void decisionsAreEqualExactlyWhenEveryNumberAndTheOutcomeAreEqual() {
    RateLimitDecision denied = RateLimitDecision.denied(3, 10, 7);

    assertThat(denied).isEqualTo(RateLimitDecision.denied(3, 10, 7))
        .hasSameHashCodeAs(RateLimitDecision.denied(3, 10, 7));
    assertThat(denied).isNotEqualTo(RateLimitDecision.denied(4, 10, 7));
    assertThat(denied).isNotEqualTo(RateLimitDecision.denied(3, 11, 7));
    assertThat(denied).isNotEqualTo(RateLimitDecision.denied(3, 10, 8));
    assertThat(RateLimitDecision.allowed(3, 10)).isNotEqualTo(new RateLimitDecision(false, 3, 10, 0));
    assertThat(denied).isNotEqualTo("denied");
  }

  @Test
  void hashCodesSeparateDecisionsThatDifferInOneField() {
    // Not a contract for every pair, but decisions a limiter hands out side by side (allowed and
    // denied with the same remaining; neighbouring remaining counts or waits) must spread.
    int base = RateLimitDecision.denied(3, 10, 7).hashCode();
    assertThat(RateLimitDecision.denied(4, 10, 7).hashCode()).isNotEqualTo(base);
    assertThat(RateLimitDecision.denied(3, 10, 8).hashCode()).isNotEqualTo(base);
    assertThat(new RateLimitDecision(true, 3, 10, 7).hashCode()).isNotEqualTo(base);
  }
}
