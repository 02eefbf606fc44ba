package dev.layerkit.gateway.lb;

import static dev.layerkit.gateway.lb.TestEndpoints.endpoints;
import static dev.layerkit.gateway.lb.TestEndpoints.pickAndComplete;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.core.time.ManualTimeSource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PanicAndSlowStartTest {

  private final ManualTimeSource time = new ManualTimeSource();
  private final OutlierDetection ejectOnFirstFailure =
      OutlierDetection.builder().consecutiveFailures(1).maxEjectionPercent(100).build();

  @Test
  void panicModeSpreadsOverAllEndpointsWhenTooFewAreAvailable() {
    List<Endpoint> endpoints = endpoints(4);
    LoadBalancer lb = LoadBalancers.roundRobin().serviceName("orders").endpoints(endpoints).timeSource(time)
        .outlierDetection(ejectOnFirstFailure).panicThreshold(50).build();

    lb.onComplete(endpoints.get(0), 1, false);
    lb.onComplete(endpoints.get(1), 1, false);
    // Two of four available: 50% is not below the threshold.
    assertThat(pickAndComplete(lb, 200)).containsOnlyKeys(endpoints.get(2), endpoints.get(3));

    lb.onComplete(endpoints.get(2), 1, false);
    // One of four: panic, all four share the traffic again.
    assertThat(lb.availableEndpoints()).containsExactlyElementsOf(endpoints);
    Map<Endpoint, Integer> counts = pickAndComplete(lb, 400);
    assertThat(counts).containsOnlyKeys(endpoints);
    assertThat(counts.values()).allMatch(c -> c == 100);
    Health health = lb.healthCheck().check();
    assertThat(health.status()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(health.details()).containsEntry("panic", true).containsEntry("available", 1).containsEntry("ejected", 3);
  }

  @Test
  void withoutPanicModeNothingAvailableFailsNamingTheService() {
    List<Endpoint> endpoints = endpoints(2);
    LoadBalancer lb = LoadBalancers.random().serviceName("orders").endpoints(endpoints).timeSource(time)
        .outlierDetection(ejectOnFirstFailure).panicThreshold(0).build();

    lb.onComplete(endpoints.get(0), 1, false);
    lb.onComplete(endpoints.get(1), 1, false);

    assertThatThrownBy(lb::pick)
        .isInstanceOf(NoAvailableEndpointException.class)
        .hasMessage("no available endpoint for service 'orders': 2 endpoints, 2 ejected, 0 failing health checks")
        .satisfies(e -> assertThat(((NoAvailableEndpointException) e).serviceName()).isEqualTo("orders"))
        .satisfies(e -> assertThat(e.getStackTrace()).isEmpty());
    assertThat(lb.healthCheck().check().status()).isEqualTo(HealthStatus.DOWN);
  }

  @Test
  void anEmptySetFailsNamingTheService() {
    LoadBalancer lb = LoadBalancers.leastRequest().serviceName("billing").endpointSource(EndpointSource.mutable(List.of()))
        .writableStackTrace(true).build();

    assertThatThrownBy(lb::pick)
        .isInstanceOf(NoAvailableEndpointException.class)
        .hasMessage("no available endpoint for service 'billing': it has no endpoints")
        .satisfies(e -> assertThat(e.getStackTrace()).isNotEmpty());
    assertThat(lb.healthCheck().check().status()).isEqualTo(HealthStatus.DOWN);
    assertThat(lb.healthCheck().name()).isEqualTo("loadbalancer-billing");
  }

  @Test
  void slowStartRampsANewEndpointsWeightLinearlyOverTheWindow() {
    List<Endpoint> endpoints = endpoints(3);
    MutableEndpointSource source = EndpointSource.mutable(endpoints.subList(0, 2));
    LoadBalancer lb = LoadBalancers.weightedRoundRobin().endpointSource(source).timeSource(time)
        .slowStart(Duration.ofSeconds(100)).build();
    Endpoint fresh = endpoints.get(2);

    source.update(endpoints);

    // Weights in percent: 100, 100 and the newcomer's ramp; one smooth-WRR period is exact.
    assertThat(lb.status(fresh).weightPercent()).isEqualTo(10);
    assertThat(pickAndComplete(lb, 21)).containsEntry(fresh, 1);          // 10 of 210
    time.advance(Duration.ofSeconds(50));
    assertThat(lb.status(fresh).weightPercent()).isEqualTo(50);
    assertThat(pickAndComplete(lb, 5 * 50)).containsEntry(fresh, 50);    // 50 of 250
    time.advance(Duration.ofSeconds(25));
    assertThat(lb.status(fresh).weightPercent()).isEqualTo(75);
    time.advance(Duration.ofSeconds(25));
    assertThat(lb.status(fresh).weightPercent()).isEqualTo(100);
    assertThat(pickAndComplete(lb, 300)).containsEntry(fresh, 100);
  }

  @Test
  void slowStartStepsTheWeightInTenths() {
    List<Endpoint> endpoints = endpoints(2);
    MutableEndpointSource source = EndpointSource.mutable(endpoints.subList(0, 1));
    LoadBalancer lb = LoadBalancers.random().endpointSource(source).timeSource(time)
        .slowStart(Duration.ofSeconds(10)).slowStartMinWeightPercent(1).build();
    source.update(endpoints);

    int[] seen = new int[11];
    for (int s = 0; s <= 10; s++) {
      seen[s] = lb.status(endpoints.get(1)).weightPercent();
      time.advance(Duration.ofSeconds(1));
    }

    assertThat(seen).containsExactly(1, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100);
  }

  @Test
  void endpointsOfTheFirstSetStartAtFullWeight() {
    List<Endpoint> endpoints = endpoints(2);
    LoadBalancer lb = LoadBalancers.leastRequest().endpoints(endpoints).timeSource(time)
        .slowStart(Duration.ofSeconds(10)).build();

    assertThat(lb.status(endpoints.get(0)).weightPercent()).isEqualTo(100);
  }
}
