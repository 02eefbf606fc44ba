package dev.layerkit.service.grpc.internal;

import dev.layerkit.service.grpc.LayerkitLoadBalancerProvider;

/** The service-loaded {@code layerkit_weighted_round_robin} policy; see {@link LayerkitLoadBalancerProvider#weightedRoundRobin()}. */
public final class WeightedRoundRobinProvider extends ServiceLoadedProvider {

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public WeightedRoundRobinProvider() {
    super(LayerkitLoadBalancerProvider.weightedRoundRobin());
  }
}
