package dev.layerkit.gateway.lb;

import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Plain round robin: endpoints in turn, weights ignored. One shared counter; a pick is one
 * {@code getAndIncrement} and a modulo.
 */
final class RoundRobinLoadBalancer extends AbstractLoadBalancer<@Nullable Void> {

  private final AtomicInteger next = new AtomicInteger();

  RoundRobinLoadBalancer(LoadBalancerBuilder builder) {
    super(builder);
  }

  @Override
  @Nullable Void prepare(EndpointState[] routable, int[] weights, boolean uniform) {
    return null;
  }

  @Override
  EndpointState choose(Snapshot<@Nullable Void> snapshot, RequestContext context) {
    EndpointState[] routable = snapshot.routable;
    return routable[(next.getAndIncrement() & Integer.MAX_VALUE) % routable.length];
  }
}
