package dev.layerkit.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Many concurrent HTTP probes of {@code /health/ready} touch each backend at most once per cache
 * interval. The rate is whatever the machine gives (logged, not asserted: performance belongs to
 * benchmarks); the touch count holds at any rate.
 */
class HealthProbeLoadIT {

  @Test
  void probesUnderLoadTouchEachBackendAtMostOncePerCacheInterval() throws Exception {
    Duration interval = Duration.ofMillis(250);
    HealthProbeLoad.Result result = HealthProbeLoad.run(16, 250, interval, Duration.ZERO);
    HealthProbeLoad.print(System.out, 16, interval, Duration.ZERO, result);

    assertThat(result.requests()).isEqualTo(4_000);
    assertThat(result.non200()).isZero();
    long intervals = result.intervals(interval);
    assertThat(result.touches()).hasSize(3).allSatisfy((name, touches) ->
        assertThat(touches).as("%s touched at most once in each of %d intervals", name, intervals)
            .isBetween(1, (int) intervals));
    // Far fewer touches than probes: without the cache each probe would touch every backend.
    assertThat(result.touches().get("redis")).isLessThan((int) (result.requests() / 10));
  }
}
