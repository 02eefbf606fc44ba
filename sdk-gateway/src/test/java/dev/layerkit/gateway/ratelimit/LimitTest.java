package dev.layerkit.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.gateway.ratelimit.internal.BucketUnit;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LimitTest {

  @ParameterizedTest
  @ValueSource(longs = {0, -5})
  void rejectsNonPositiveCapacityAndRefill(long value) {
    assertThatThrownBy(() -> Limit.greedy(value, 1, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("capacity must be > 0 but was " + value);
    assertThatThrownBy(() -> Limit.interval(1, value, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("refillTokens must be > 0 but was " + value);
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -5})
  void shorthandsNameThePermitsTheCallerPassed(long permits) {
    String message = "permits must be > 0 but was " + permits;
    assertThatThrownBy(() -> Limit.perSecond(permits)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    assertThatThrownBy(() -> Limit.perMinute(permits)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    assertThatThrownBy(() -> Limit.perHour(permits)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    assertThatThrownBy(() -> Limit.perDay(permits)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    assertThatThrownBy(() -> Limit.of(permits, Duration.ofSeconds(5)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
  }

  @Test
  void rejectsPeriodsOutsideOneMillisecondToAYear() {
    assertThatThrownBy(() -> Limit.of(1, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("refillPeriod must be between PT0.001S and PT8784H but was PT0S");
    assertThatThrownBy(() -> Limit.of(1, Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("but was PT-0.001S");
    assertThatThrownBy(() -> Limit.of(1, Duration.ofDays(367)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("but was PT8808H");
    assertThatThrownBy(() -> Limit.of(1, null)).isInstanceOf(NullPointerException.class).hasMessage("refillPeriod");
  }

  @Test
  void rejectsLimitsTooLargeToCountExactly() {
    assertThatThrownBy(() -> Limit.perDay(200_000_000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("capacity 200000000 with refill 200000000 per PT24H is too large to count exactly");
    assertThatThrownBy(() -> Limit.of(Long.MAX_VALUE, Duration.ofMillis(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too large to count exactly");
    assertThatThrownBy(() -> Limit.of(1, Duration.ofNanos(1_000_500)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("refillPeriod must be a whole number of microseconds but was PT0.0010005S");
  }

  @Test
  void policiesNeedAtLeastOneDistinctLimit() {
    assertThatThrownBy(RateLimitPolicy::of)
        .isInstanceOf(IllegalArgumentException.class).hasMessage("limits must not be empty but no limit was added");
    assertThatThrownBy(() -> RateLimitPolicy.of(Limit.perSecond(1), Limit.perSecond(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was already added");
    RateLimitPolicy policy = RateLimitPolicy.of(Limit.perMinute(100), Limit.perSecond(10));
    assertThat(policy.minCapacity()).isEqualTo(10);
    assertThat(policy.limits()).containsExactly(Limit.perMinute(100), Limit.perSecond(10));
    assertThat(Limit.perSecond(10)).hasToString("Limit{10 tokens, greedy refill 10 per PT1S}");
  }

  @Test
  void theShortestAndLongestPeriodsAreAccepted() {
    assertThat(Limit.of(1, Limit.MIN_PERIOD).refillPeriod()).isEqualTo(Duration.ofMillis(1));
    assertThat(Limit.of(1, Limit.MAX_PERIOD).refillPeriod()).isEqualTo(Duration.ofDays(366));
  }

  /**
   * A limit is counted in microseconds while capacity (or refill) times the period in microseconds
   * stays within 2^53, else in milliseconds while that product does, else it is refused; a period
   * that is no whole number of milliseconds can only be counted in microseconds.
   */
  @Test
  void theUnitIsTheMicrosecondUpTo2To53ThenTheMillisecond() {
    long microsPerSecond = 1_000_000;
    long largestInMicros = BucketUnit.MAX_EXACT / microsPerSecond;
    assertThat(BucketUnit.nanos(largestInMicros, 1, Duration.ofSeconds(1))).isEqualTo(1_000);
    assertThat(BucketUnit.nanos(1, largestInMicros, Duration.ofSeconds(1))).isEqualTo(1_000);
    assertThat(BucketUnit.nanos(largestInMicros + 1, 1, Duration.ofSeconds(1))).isEqualTo(1_000_000);
    long largestInMillis = BucketUnit.MAX_EXACT / 1_000;
    assertThat(BucketUnit.nanos(largestInMillis, 1, Duration.ofSeconds(1))).isEqualTo(1_000_000);
    assertThatThrownBy(() -> Limit.of(largestInMillis + 1, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("capacity 9007199254741 with refill 9007199254741 per PT1S is too large to count exactly: the"
            + " larger of capacity and refillTokens times the period in milliseconds must be at most 2^53");

    Duration notWholeMillis = Duration.ofNanos(1_500_000);
    assertThat(Limit.of(3, notWholeMillis).refillPeriod()).isEqualTo(notWholeMillis);
    assertThat(BucketUnit.nanos(3, 3, notWholeMillis)).isEqualTo(1_000);
    assertThatThrownBy(() -> Limit.of(BucketUnit.MAX_EXACT, notWholeMillis))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("capacity 9007199254740992 with refill 9007199254740992 per PT0.0015S is too large to count"
            + " exactly: the larger of capacity and refillTokens times the period in microseconds must be at most 2^53");
  }
}
