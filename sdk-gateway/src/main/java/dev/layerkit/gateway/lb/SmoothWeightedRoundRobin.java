package dev.layerkit.gateway.lb;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Smooth weighted round robin, nginx's algorithm ({@code ngx_http_upstream_get_peer}): on each
 * pick every endpoint's current weight grows by its effective weight, the endpoint with the
 * largest current weight wins (the first on a tie) and loses the total weight. With weights
 * {@code 5, 1, 1} the order is {@code a a b a c a a}, interleaving rather than bursting.
 *
 * <h2>Lock-free</h2>
 *
 * <p>nginx updates the current weights under a lock on every pick. The sequence depends only on
 * the weights and repeats with a period of their sum, so this class computes one period when a
 * snapshot is built and a pick is an index into it: {@code sequence[counter++ % period]}. Same
 * order, no lock, no per-pick arithmetic over endpoints. Weights are divided by their gcd first;
 * if the period would still exceed {@value #MAX_PERIOD} entries (256 KiB), weights are scaled down
 * proportionally (each at least 1), which keeps ratios to within about one part in
 * {@value #MAX_PERIOD} of the total. Building a period costs O(endpoints x period) once per
 * snapshot. Equal weights skip the table: the smooth order is then plain round robin.
 */
final class SmoothWeightedRoundRobin extends AbstractLoadBalancer<int[]> {

  /** The longest precomputed period. */
  static final int MAX_PERIOD = 1 << 16;

  private static final int[] PLAIN = new int[0];

  private final AtomicInteger next = new AtomicInteger();

  SmoothWeightedRoundRobin(LoadBalancerBuilder builder) {
    super(builder);
  }

  @Override
  int[] prepare(EndpointState[] routable, int[] weights, boolean uniform) {
    return uniform ? PLAIN : sequence(weights);
  }

  @Override
  EndpointState choose(Snapshot<int[]> snapshot, RequestContext context) {
    EndpointState[] routable = snapshot.routable;
    int[] sequence = snapshot.pickTable;
    int i = next.getAndIncrement() & Integer.MAX_VALUE;
    return sequence.length == 0 ? routable[i % routable.length] : routable[sequence[i % sequence.length]];
  }

  /** Returns one period of nginx's smooth weighted order for these weights, as indexes. */
  static int[] sequence(int[] weights) {
    int[] w = weights.clone();
    long total = 0;
    for (int weight : w) {
      total += weight;
    }
    if (total > MAX_PERIOD) {
      long scaled = 0;
      for (int i = 0; i < w.length; i++) {
        w[i] = (int) Math.max(1L, (long) w[i] * MAX_PERIOD / total);
        scaled += w[i];
      }
      total = scaled;
    }
    int period = (int) total;
    long[] current = new long[w.length];
    int[] sequence = new int[period];
    for (int step = 0; step < period; step++) {
      int best = -1;
      for (int i = 0; i < w.length; i++) {
        current[i] += w[i];
        if (best < 0 || current[i] > current[best]) {
          best = i;
        }
      }
      current[best] -= total;
      sequence[step] = best;
    }
    return sequence;
  }
}
