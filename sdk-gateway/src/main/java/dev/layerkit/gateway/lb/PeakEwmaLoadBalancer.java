package dev.layerkit.gateway.lb;

import org.jspecify.annotations.Nullable;

/**
 * Latency-aware power of two choices with peak EWMA, as in Finagle's {@code PeakEwma} and
 * Linkerd's balancer: draw two distinct endpoints at random and take the one with the lower cost
 * {@code latency * (outstanding + 1) / weight}.
 *
 * <p>{@code latency} is an exponentially weighted moving average of completion latencies with
 * time constant {@code tau} ({@link LoadBalancerBuilder#latencyDecay}): a sample above the average
 * replaces it at once (the "peak", so a slowdown is felt immediately), a lower one pulls it down
 * with weight {@code 1 - exp(-dt / tau)}. When costs are compared the average is also decayed
 * towards zero for the time since its last sample, so an endpoint that had a bad spell and then
 * got no traffic looks cheaper over time and is tried again. An endpoint without a sample costs
 * nothing while idle and a prohibitive latency, {@link #PENALTY}, while it has a request in flight,
 * so a new endpoint is probed with one request before it takes more (Finagle's rule). The penalty
 * still scales with load and weight, so a burst that finds every endpoint new and busy spreads as
 * least request would.
 *
 * <p>Cost per pick: at most one {@code exp} and no clock read (see {@link #choose}); per
 * completion, one clock read and one {@code exp}. No lock, no allocation.
 */
final class PeakEwmaLoadBalancer extends AbstractLoadBalancer<@Nullable Void> {

  /** The latency assumed for an endpoint that has requests in flight but has never completed one. */
  static final double PENALTY = 1e18;

  PeakEwmaLoadBalancer(LoadBalancerBuilder builder) {
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
    double costA;
    double costB;
    if (a.hasLatency && b.hasLatency) {
      // Both estimates decay at the same rate from their last samples, so which is cheaper does
      // not depend on the current time: decay the older one to the younger one's timestamp. No
      // clock read, one exp.
      double latencyA = a.latencyNanos();
      double latencyB = b.latencyNanos();
      long gap = b.latencyStamp() - a.latencyStamp();
      if (gap > 0) {
        latencyA *= Math.exp(-gap / latencyDecayNanos);
      } else if (gap < 0) {
        latencyB *= Math.exp(gap / latencyDecayNanos);
      }
      costA = latencyA * (a.outstanding() + 1);
      costB = latencyB * (b.outstanding() + 1);
    } else {
      costA = unmeasuredCost(a);
      costB = unmeasuredCost(b);
    }
    if (!snapshot.uniformWeights) {
      costA /= snapshot.weights[i];
      costB /= snapshot.weights[j];
    }
    return costA <= costB ? a : b;
  }

  /**
   * The cost used when at least one of the two has no sample: a measured endpoint's undecayed
   * estimate, zero for an idle unmeasured one, the penalty for a busy unmeasured one. Decay cannot
   * change these comparisons: zero stays below any estimate, and any estimate stays below the
   * penalty.
   */
  private static double unmeasuredCost(EndpointState state) {
    int outstanding = state.outstanding();
    if (state.hasLatency) {
      return state.latencyNanos() * (outstanding + 1);
    }
    return outstanding == 0 ? 0 : PENALTY * (outstanding + 1);
  }
}
