package dev.layerkit.service.grpc.internal;

import dev.layerkit.service.grpc.LayerkitLoadBalancerProvider;

/** The service-loaded {@code layerkit_least_request} policy; see {@link LayerkitLoadBalancerProvider#leastRequest()}. */
public final class LeastRequestProvider extends ServiceLoadedProvider {

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public LeastRequestProvider() {
    super(LayerkitLoadBalancerProvider.leastRequest());
  }
}
