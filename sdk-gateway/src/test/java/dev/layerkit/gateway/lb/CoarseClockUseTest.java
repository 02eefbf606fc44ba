package dev.layerkit.gateway.lb;

import static dev.layerkit.gateway.lb.TestEndpoints.endpoints;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.internal.CoarseTimeSource;
import dev.layerkit.core.time.ManualTimeSource;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which balancers read the shared {@link CoarseTimeSource}: those on the system time source whose
 * hot path reads time, each holding a lease from build to close.
 */
class CoarseClockUseTest {

  private static CoarseTimeSource coarseClockOf(LoadBalancer lb) {
    return ((AbstractLoadBalancer<?>) lb).coarseClock();
  }

  @Test
  void aSystemTimePeakEwmaBalancerHoldsALeaseUntilClosed() {
    LoadBalancer lb = LoadBalancers.peakEwma().endpoints(endpoints(2)).build();
    CoarseTimeSource clock = coarseClockOf(lb);
    assertThat(clock).isNotNull();
    assertThat(clock.isOpen()).isTrue();
    lb.onComplete(lb.pick(), 1_000, true);
    assertThat(lb.status(lb.endpoints().get(0)).latencyNanos() + lb.status(lb.endpoints().get(1)).latencyNanos())
        .isGreaterThan(0);

    lb.close();
    lb.close();
    assertThat(clock.isOpen()).isFalse();
  }

  @Test
  void isUsedOnlyWithSystemTimeAndTimedFeatures() {
    LoadBalancer manual = LoadBalancers.peakEwma().endpoints(endpoints(2))
        .timeSource(new ManualTimeSource()).build();
    LoadBalancer plain = LoadBalancers.leastRequest().endpoints(endpoints(2)).build();
    LoadBalancer ejecting = LoadBalancers.leastRequest().endpoints(endpoints(2))
        .outlierDetection(OutlierDetection.ofDefaults()).build();
    LoadBalancer ramping = LoadBalancers.random().endpoints(endpoints(2)).slowStart(Duration.ofSeconds(1)).build();

    assertThat(coarseClockOf(manual)).isNull();
    assertThat(coarseClockOf(plain)).isNull();
    assertThat(coarseClockOf(ejecting)).isNotNull();
    assertThat(coarseClockOf(ramping)).isNotNull();
    for (LoadBalancer lb : List.of(manual, plain, ejecting, ramping)) {
      lb.close();
    }
    assertThat(coarseClockOf(ejecting).isOpen()).isFalse();
    assertThat(coarseClockOf(ramping).isOpen()).isFalse();
  }

  @Test
  void aFailedBuildReleasesTheClock() {
    int before = CoarseTimeSource.openLeases();
    MutableEndpointSource closed = EndpointSource.mutable(List.of());
    closed.close();

    assertThatThrownBy(() -> LoadBalancers.peakEwma().endpointSource(closed).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    assertThat(CoarseTimeSource.openLeases()).isEqualTo(before);
  }

  @Test
  void aBalancerOnTheCoarseClockSeesTimeMove() {
    LoadBalancer lb = LoadBalancers.peakEwma().endpoints(endpoints(1)).build();
    CoarseTimeSource clock = coarseClockOf(lb);
    long start = clock.nanoTime();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (clock.nanoTime() == start && System.nanoTime() - deadline < 0) {
      Thread.onSpinWait();
    }
    assertThat(clock.nanoTime()).isGreaterThan(start);
    lb.close();
  }
}
