package dev.layerkit.gateway.lb;

import dev.layerkit.core.hash.ConsistentHash;
import dev.layerkit.core.hash.NodeSetBuilder;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Consistent hashing on the request's key ({@link RequestContext#keyHash()}): requests with the
 * same key go to the same endpoint while the routable set is unchanged, and when an endpoint
 * leaves or is ejected only its keys move. The node set ({@code MaglevHash} unless the builder
 * supplied another sdk-core {@link ConsistentHash}) is built once per snapshot over the routable
 * endpoints with their weights; a pick is its lookup plus one probe of the snapshot's id table.
 */
final class ConsistentHashLoadBalancer extends AbstractLoadBalancer<@Nullable ConsistentHash<Endpoint>> {

  private final Supplier<? extends NodeSetBuilder<Endpoint, ?>> nodeSet;

  ConsistentHashLoadBalancer(LoadBalancerBuilder builder) {
    super(builder);
    this.nodeSet = builder.hashFactory;
  }

  @Override
  @Nullable ConsistentHash<Endpoint> prepare(EndpointState[] routable, int[] weights, boolean uniform) {
    if (routable.length == 0) {
      return null;
    }
    NodeSetBuilder<Endpoint, ?> builder = nodeSet.get();
    builder.nodeId(Endpoint::id);
    for (EndpointState state : routable) {
      builder.node(state.endpoint, state.endpoint.weight());
    }
    return builder.build();
  }

  @Override
  EndpointState choose(Snapshot<@Nullable ConsistentHash<Endpoint>> snapshot, RequestContext context) {
    if (!context.hasKey()) {
      throw new IllegalArgumentException("consistentHash balancer of service '" + serviceName
          + "' needs a RequestContext with a key (RequestContext.ofKey) but got " + context);
    }
    ConsistentHash<Endpoint> hash = snapshot.pickTable;
    EndpointState state = snapshot.find(hash.nodeFor(context.keyHash()).id());
    return state;
  }
}
