package dev.layerkit.service.grpc.internal;

import dev.layerkit.service.grpc.LayerkitLoadBalancerProvider;

/** The service-loaded {@code layerkit_round_robin} policy; see {@link LayerkitLoadBalancerProvider#roundRobin()}. */
public final class RoundRobinProvider extends ServiceLoadedProvider {

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public RoundRobinProvider() {
    super(LayerkitLoadBalancerProvider.roundRobin());
  }
}
