package dev.layerkit.service.grpc.internal;

import dev.layerkit.service.grpc.LayerkitLoadBalancerProvider;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.NameResolver.ConfigOrError;
import java.util.Map;

/** Hands every call to one {@link LayerkitLoadBalancerProvider}. */
abstract class ServiceLoadedProvider extends LoadBalancerProvider {

  private final LayerkitLoadBalancerProvider delegate;

  ServiceLoadedProvider(LayerkitLoadBalancerProvider delegate) {
    this.delegate = delegate;
  }

  @Override
  public boolean isAvailable() {
    return delegate.isAvailable();
  }

  @Override
  public int getPriority() {
    return delegate.getPriority();
  }

  @Override
  public String getPolicyName() {
    return delegate.getPolicyName();
  }

  @Override
  public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
    return delegate.newLoadBalancer(helper);
  }

  @Override
  public ConfigOrError parseLoadBalancingPolicyConfig(Map<String, ?> rawConfig) {
    return delegate.parseLoadBalancingPolicyConfig(rawConfig);
  }
}
