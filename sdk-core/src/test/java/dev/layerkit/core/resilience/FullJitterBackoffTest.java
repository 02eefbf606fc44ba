package dev.layerkit.core.resilience;

import static org.assertj.core.api.Assertions.assertThat;

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
