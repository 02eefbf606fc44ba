package dev.layerkit.core.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.time.ManualTimeSource;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class FullJitterBackoffTest {

  @Test
  void ceilingGrowsExponentiallyAndSaturatesAtTheCapWithoutOverflow() {
    FullJitterBackoff backoff = new FullJitterBackoff(100, 3.0, 5_000, null);

    assertThat(backoff.ceilingMillis(1)).isEqualTo(100);
    assertThat(backoff.ceilingMillis(2)).isEqualTo(300);
    assertThat(backoff.ceilingMillis(3)).isEqualTo(900);
    assertThat(backoff.ceilingMillis(5)).isEqualTo(5_000);
    assertThat(backoff.ceilingMillis(10_000)).isEqualTo(5_000);
  }

  @Test
  void ofValidatesEachParameterNamingTheValue() {
    assertThatThrownBy(() -> FullJitterBackoff.of(Duration.ofMillis(-1), 2.0, Duration.ofSeconds(1), null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("initialBackoff");
    assertThatThrownBy(() -> FullJitterBackoff.of(Duration.ofMillis(1), 2.0, Duration.ofSeconds(-1), null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBackoff");
    assertThatThrownBy(() -> FullJitterBackoff.of(Duration.ofMillis(1), 0.99, Duration.ofSeconds(1), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backoffMultiplier must be >= 1 and finite but was 0.99");
    assertThatThrownBy(() -> FullJitterBackoff.of(Duration.ofMillis(1), Double.NaN, Duration.ofSeconds(1), null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FullJitterBackoff.of(Duration.ofMillis(1), Double.POSITIVE_INFINITY,
        Duration.ofSeconds(1), null)).isInstanceOf(IllegalArgumentException.class);
    // The boundaries are valid: no growth, no initial wait.
    FullJitterBackoff flat = FullJitterBackoff.of(Duration.ZERO, 1.0, Duration.ofMillis(50), null);
    assertThat(flat.ceilingMillis(7)).isZero();
  }

  @Test
  void backoffRefusesAttemptsBeforeTheFirstAndDrawsFromTheGivenRandom() {
    FullJitterBackoff backoff = FullJitterBackoff.of(Duration.ofMillis(100), 2.0, Duration.ofMillis(150),
        new java.util.Random(7));
    java.util.Random same = new java.util.Random(7);

    assertThatThrownBy(() -> backoff.backoff(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("attempt must be >= 1 but was 0");
    assertThat(backoff.backoff(1)).isEqualTo(Duration.ofMillis(same.nextLong(101)));
    // 200 ms uncapped, 150 at the cap: the ceiling is the cap when they are equal or above.
    assertThat(backoff.ceilingMillis(2)).isEqualTo(150);
    assertThat(FullJitterBackoff.of(Duration.ofMillis(75), 2.0, Duration.ofMillis(150), null)
        .ceilingMillis(2)).isEqualTo(150);
  }

  @Test
  void defaultRandomDrawsStayWithinZeroAndTheCeiling() {
    FullJitterBackoff backoff = new FullJitterBackoff(8, 2.0, 64, null);

    for (int attempt = 1; attempt <= 6; attempt++) {
      long ceiling = backoff.ceilingMillis(attempt);
      for (int draw = 0; draw < 1_000; draw++) {
        assertThat(backoff.apply(attempt)).isBetween(0L, ceiling);
      }
    }
  }

  @Test
  void timeSourceClockFollowsTheManualTimeSource() {
    ManualTimeSource time = new ManualTimeSource();
    TimeSourceClock clock = new TimeSourceClock(time);

    time.advance(Duration.ofSeconds(90));

    assertThat(clock.instant()).isEqualTo(Instant.parse("2026-01-01T00:01:30Z"));
    assertThat(clock.millis()).isEqualTo(clock.instant().toEpochMilli());
  }
}
