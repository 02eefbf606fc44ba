package dev.layerkit.gateway.lb;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plain round robin: endpoints in turn, weights ignored. One shared counter; a pick is one
 * {@code getAndIncrement} and a modulo.
 */
final class RoundRobinLoadBalancer extends AbstractLoadBalancer<Boolean> {

  private final AtomicInteger next = new AtomicInteger();

  RoundRobinLoadBalancer(LoadBalancerBuilder builder) {
    super(builder);
  }

  @Override
  Boolean prepare(EndpointState[] routable, int[] weights, boolean uniform) {
    return Boolean.TRUE;
  }

  @Override
  EndpointState choose(Snapshot<Boolean> snapshot, RequestContext context) {
    EndpointState[] routable = snapshot.routable;
    return routable[(next.getAndIncrement() & Integer.MAX_VALUE) % routable.length];
  }
}
