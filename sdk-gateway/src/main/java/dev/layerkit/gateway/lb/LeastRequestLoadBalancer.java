package dev.layerkit.gateway.lb;

import org.jspecify.annotations.Nullable;

/**
 * Least request by the power of two choices (Mitzenmacher): draw two distinct endpoints at random
 * and take the one with fewer outstanding requests per unit of weight. Two samples get
 * exponentially better balance than one and, unlike a scan for the global minimum, cost O(1) and
 * do not send every concurrent pick to the same momentarily idle endpoint.
 *
 * <p>With unequal weights the comparison is {@code (outstanding + 1) / weight}; the {@code + 1}
 * lets weights decide between idle endpoints. Ties go to the first draw, itself random.
 */
final class LeastRequestLoadBalancer extends AbstractLoadBalancer<@Nullable Void> {

  LeastRequestLoadBalancer(LoadBalancerBuilder builder) {
    super(builder);
  }

  @Override
  @Nullable Void prepare(EndpointState[] routable, int[] weights, boolean uniform) {
    return null;
  }

  @Override
  EndpointState choose(Snapshot<@Nullable Void> snapshot, RequestContext context) {
    EndpointState[] routable = snapshot.routable;
    int n = routable.length;
    if (n == 1) {
      return routable[0];
    }
    long pair = twoDistinctIndices(n);
    int i = (int) (pair >>> 32);
    int j = (int) pair;
    EndpointState a = routable[i];
    EndpointState b = routable[j];
    if (snapshot.uniformWeights) {
      return a.outstanding() <= b.outstanding() ? a : b;
    }
    int[] weights = snapshot.weights;
    return (long) (a.outstanding() + 1) * weights[j] <= (long) (b.outstanding() + 1) * weights[i] ? a : b;
  }
}
