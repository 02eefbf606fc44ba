package dev.layerkit.gateway.lb;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * A balancer's Micrometer meters, all tagged {@code name} with the service name (the tag
 * {@code ResiliencePolicy}'s meters and the other blocks' use for the instance):
 *
 * <ul>
 *   <li>{@code layerkit.lb.endpoints} (gauge, tag {@code state} = {@code total}, {@code available},
 *       {@code ejected}, {@code unhealthy});</li>
 *   <li>{@code layerkit.lb.panic} (gauge, 1 in panic mode, else 0);</li>
 *   <li>per endpoint (tag {@code endpoint} = its id): {@code layerkit.lb.picks} (function counter),
 *       {@code layerkit.lb.outstanding} (gauge), {@code layerkit.lb.ejections} (function
 *       counter).</li>
 * </ul>
 *
 * <p>Meters read the balancer's own counters when scraped, so recording costs a pick one
 * uncontended {@code LongAdder} increment and nothing else. Per-endpoint meters are removed when
 * the endpoint leaves the set, and all of them when the balancer closes. Calls to {@link #add},
 * {@link #remove} and {@link #close} come under the balancer's lock.
 */
final class LbMetrics {

  private final MeterRegistry registry;
  private final Tags tags;
  private final List<Meter> balancerMeters = new ArrayList<>();
  private final Map<EndpointState, List<Meter>> endpointMeters = new HashMap<>();

  LbMetrics(MeterRegistry registry, AbstractLoadBalancer<?> balancer) {
    this.registry = registry;
    this.tags = Tags.of("name", balancer.serviceName);
    balancerMeters.add(endpointGauge(balancer, "total", s -> s.all.length));
    balancerMeters.add(endpointGauge(balancer, "available", s -> s.available));
    balancerMeters.add(endpointGauge(balancer, "ejected", s -> s.ejected));
    balancerMeters.add(endpointGauge(balancer, "unhealthy", s -> s.unhealthy));
    balancerMeters.add(Gauge.builder("layerkit.lb.panic", balancer,
            b -> b.isClosed() || !b.snapshotForMetrics().panic ? 0 : 1)
        .tags(tags)
        .description("1 while the balancer spreads requests over all endpoints because too few are healthy")
        .register(registry));
  }

  private Meter endpointGauge(AbstractLoadBalancer<?> balancer, String state,
      ToIntFunction<Snapshot<?>> count) {
    return Gauge.builder("layerkit.lb.endpoints", balancer,
            b -> b.isClosed() ? 0 : count.applyAsInt(b.snapshotForMetrics()))
        .tags(tags.and("state", state))
        .description("Endpoints of the service by state")
        .register(registry);
  }

  void add(EndpointState state) {
    Tags endpointTags = tags.and("endpoint", state.id);
    List<Meter> meters = List.of(
        FunctionCounter.builder("layerkit.lb.picks", state, s -> s.picks.sum())
            .tags(endpointTags)
            .description("Requests sent to the endpoint")
            .register(registry),
        Gauge.builder("layerkit.lb.outstanding", state, EndpointState::outstanding)
            .tags(endpointTags)
            .description("Requests picked for the endpoint and not yet completed")
            .register(registry),
        FunctionCounter.builder("layerkit.lb.ejections", state, s -> s.ejections)
            .tags(endpointTags)
            .description("Times outlier detection ejected the endpoint")
            .register(registry));
    endpointMeters.put(state, meters);
  }

  void remove(EndpointState state) {
    List<Meter> meters = endpointMeters.remove(state);
    if (meters != null) {
      meters.forEach(registry::remove);
    }
  }

  void close() {
    endpointMeters.values().forEach(meters -> meters.forEach(registry::remove));
    endpointMeters.clear();
    balancerMeters.forEach(registry::remove);
    balancerMeters.clear();
  }
}
