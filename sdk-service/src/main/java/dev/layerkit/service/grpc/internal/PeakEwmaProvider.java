package dev.layerkit.service.grpc.internal;

import dev.layerkit.service.grpc.LayerkitLoadBalancerProvider;

/** The service-loaded {@code layerkit_peak_ewma} policy; see {@link LayerkitLoadBalancerProvider#peakEwma()}. */
public final class PeakEwmaProvider extends ServiceLoadedProvider {

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public PeakEwmaProvider() {
    super(LayerkitLoadBalancerProvider.peakEwma());
  }
}
