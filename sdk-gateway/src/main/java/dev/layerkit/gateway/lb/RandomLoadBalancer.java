package dev.layerkit.gateway.lb;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Weighted random: each pick draws an endpoint with probability proportional to its effective
 * weight. Equal weights draw an index directly; otherwise a draw is a binary search over the
 * prefix sums of the weights, computed once per snapshot. {@link ThreadLocalRandom} keeps draws
 * contention-free.
 */
final class RandomLoadBalancer extends AbstractLoadBalancer<long[]> {

  private static final long[] UNIFORM = new long[0];

  RandomLoadBalancer(LoadBalancerBuilder builder) {
    super(builder);
  }

  @Override
  long[] prepare(EndpointState[] routable, int[] weights, boolean uniform) {
    if (uniform) {
      return UNIFORM;
    }
    long[] prefix = new long[weights.length];
    long sum = 0;
    for (int i = 0; i < weights.length; i++) {
      sum += weights[i];
      prefix[i] = sum;
    }
    return prefix;
  }

  @Override
  EndpointState choose(Snapshot<long[]> snapshot, RequestContext context) {
    EndpointState[] routable = snapshot.routable;
    long[] prefix = snapshot.data;
    ThreadLocalRandom random = ThreadLocalRandom.current();
    if (prefix.length == 0) {
      return routable[random.nextInt(routable.length)];
    }
    long r = random.nextLong(prefix[prefix.length - 1]);
    // The first prefix sum greater than r.
    int i = Arrays.binarySearch(prefix, r + 1);
    return routable[i >= 0 ? i : -i - 1];
  }
}
