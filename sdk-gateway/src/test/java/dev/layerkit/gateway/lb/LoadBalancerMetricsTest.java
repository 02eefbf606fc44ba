package dev.layerkit.gateway.lb;

import static dev.layerkit.gateway.lb.TestEndpoints.endpoints;
import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.core.time.ManualTimeSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadBalancerMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void recordsPicksOutstandingEjectionsAndAvailableEndpoints() {
    List<Endpoint> endpoints = endpoints(3);
    MutableEndpointSource source = EndpointSource.mutable(endpoints);
    LoadBalancer lb = LoadBalancers.roundRobin().serviceName("orders").endpointSource(source)
        .timeSource(new ManualTimeSource()).meterRegistry(registry)
        .outlierDetection(OutlierDetection.builder().consecutiveFailures(1).build())
        .build();

    Endpoint first = lb.pick();
    lb.pick();
    lb.pick();
    Endpoint fourth = lb.pick();
    lb.onComplete(fourth, 1, false);  // ejects endpoints[0]

    assertThat(registry.get("layerkit.lb.picks").tags("name", "orders", "endpoint", first.id())
        .functionCounter().count()).isEqualTo(2);
    assertThat(registry.get("layerkit.lb.outstanding").tags("endpoint", first.id()).gauge().value()).isEqualTo(1);
    assertThat(registry.get("layerkit.lb.outstanding").tags("endpoint", endpoints.get(1).id()).gauge().value())
        .isEqualTo(1);
    assertThat(registry.get("layerkit.lb.ejections").tags("endpoint", first.id()).functionCounter().count())
        .isEqualTo(1);
    assertThat(registry.get("layerkit.lb.endpoints").tags("name", "orders", "state", "available").gauge().value())
        .isEqualTo(2);
    assertThat(registry.get("layerkit.lb.endpoints").tags("state", "ejected").gauge().value()).isEqualTo(1);
    assertThat(registry.get("layerkit.lb.endpoints").tags("state", "total").gauge().value()).isEqualTo(3);
    assertThat(registry.get("layerkit.lb.panic").gauge().value()).isZero();

    source.update(endpoints.subList(1, 3));
    assertThat(registry.find("layerkit.lb.picks").tags("endpoint", first.id()).functionCounter()).isNull();

    lb.close();
    assertThat(registry.getMeters()).isEmpty();
  }
}
