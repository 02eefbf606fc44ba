package dev.layerkit.service.grpc.internal;

import dev.layerkit.service.grpc.LayerkitLoadBalancerProvider;

/** The service-loaded {@code layerkit_random} policy; see {@link LayerkitLoadBalancerProvider#random()}. */
public final class RandomProvider extends ServiceLoadedProvider {

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public RandomProvider() {
    super(LayerkitLoadBalancerProvider.random());
  }
}
