package dev.layerkit.gateway.lb;

import static dev.layerkit.gateway.lb.TestEndpoints.endpoints;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.time.ManualTimeSource;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TickingClockTest {

  @Test
  void runsOnlyWhileASystemTimePeakEwmaBalancerIsOpen() {
    int before = TickingClock.users();

    LoadBalancer lb = LoadBalancers.powerOfTwoChoices().endpoints(endpoints(2)).build();
    assertThat(TickingClock.users()).isEqualTo(before + 1);
    assertThat(TickingClock.running()).isTrue();
    lb.onComplete(lb.pick(), 1_000, true);
    assertThat(lb.status(lb.endpoints().get(0)).latencyNanos() + lb.status(lb.endpoints().get(1)).latencyNanos())
        .isGreaterThan(0);

    lb.close();
    lb.close();
    assertThat(TickingClock.users()).isEqualTo(before);
    if (before == 0) {
      assertThat(TickingClock.running()).isFalse();
    }
  }

  @Test
  void isUsedOnlyWithSystemTimeAndTimedFeatures() {
    int before = TickingClock.users();

    LoadBalancer manual = LoadBalancers.powerOfTwoChoices().endpoints(endpoints(2))
        .timeSource(new ManualTimeSource()).build();
    LoadBalancer plain = LoadBalancers.leastRequest().endpoints(endpoints(2)).build();
    LoadBalancer ejecting = LoadBalancers.leastRequest().endpoints(endpoints(2))
        .outlierDetection(OutlierDetection.ofDefaults()).build();
    LoadBalancer ramping = LoadBalancers.random().endpoints(endpoints(2)).slowStart(Duration.ofSeconds(1)).build();

    assertThat(TickingClock.users()).isEqualTo(before + 2);
    manual.close();
    plain.close();
    ejecting.close();
    ramping.close();
    assertThat(TickingClock.users()).isEqualTo(before);
  }

  @Test
  void aFailedBuildReleasesTheClock() {
    int before = TickingClock.users();
    MutableEndpointSource closed = EndpointSource.mutable(List.of());
    closed.close();

    assertThatThrownBy(() -> LoadBalancers.powerOfTwoChoices().endpointSource(closed).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    assertThat(TickingClock.users()).isEqualTo(before);
  }

  @Test
  void advancesWithTheSystemClock() {
    LoadBalancer lb = LoadBalancers.powerOfTwoChoices().endpoints(endpoints(1)).build();
    long start = TickingClock.nanoTime();
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (TickingClock.nanoTime() == start && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    lb.close();

    assertThat(TickingClock.nanoTime()).isGreaterThan(start);
  }
}
