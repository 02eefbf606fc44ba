package dev.layerkit.gateway.lb;

import org.jspecify.annotations.Nullable;

/**
 * Least request by the power of two choices: of two random endpoints, the one with fewer
 * outstanding requests per unit of weight.
 *
 * <p>With unequal weights the comparison is {@code (outstanding + 1) / weight}; the {@code + 1}
 * lets weights decide between idle endpoints. Ties go to the first draw, itself random.
 */
final class LeastRequestLoadBalancer extends TwoChoicesLoadBalancer {

  LeastRequestLoadBalancer(LoadBalancerBuilder builder) {
    super(builder);
  }

  @Override
  boolean prefersFirst(Snapshot<@Nullable Void> snapshot, int i, int j) {
    EndpointState a = snapshot.routable[i];
    EndpointState b = snapshot.routable[j];
    if (snapshot.uniformWeights) {
      return a.outstanding() <= b.outstanding();
    }
    int[] weights = snapshot.weights;
    return (long) (a.outstanding() + 1) * weights[j] <= (long) (b.outstanding() + 1) * weights[i];
  }
}
