package dev.layerkit.gateway.lb;

import java.util.function.Function;

/** The strategies of {@link LoadBalancers}, named by their factory methods. */
enum Strategy {
  ROUND_ROBIN("roundRobin", false, RoundRobinLoadBalancer::new),
  WEIGHTED_ROUND_ROBIN("weightedRoundRobin", true, SmoothWeightedRoundRobin::new),
  RANDOM("random", true, RandomLoadBalancer::new),
  LEAST_REQUEST("leastRequest", true, LeastRequestLoadBalancer::new),
  PEAK_EWMA("peakEwma", true, PeakEwmaLoadBalancer::new),
  CONSISTENT_HASH("consistentHash", false, ConsistentHashLoadBalancer::new);

  final String factoryName;
  /** Whether picks follow endpoint weights, so that slow start can lower them. */
  final boolean weighted;
  private final Function<LoadBalancerBuilder, AbstractLoadBalancer<?>> constructor;

  Strategy(String factoryName, boolean weighted, Function<LoadBalancerBuilder, AbstractLoadBalancer<?>> constructor) {
    this.factoryName = factoryName;
    this.weighted = weighted;
    this.constructor = constructor;
  }

  AbstractLoadBalancer<?> create(LoadBalancerBuilder builder) {
    AbstractLoadBalancer<?> balancer = constructor.apply(builder);
    balancer.start();
    return balancer;
  }
}
