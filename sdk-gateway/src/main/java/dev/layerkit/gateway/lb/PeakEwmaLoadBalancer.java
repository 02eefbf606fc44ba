package dev.layerkit.gateway.lb;

import org.jspecify.annotations.Nullable;

/**
 * Peak EWMA, latency-aware as Finagle's {@code PeakEwma} and Linkerd's balancer: of two random
 * endpoints (the power of two choices), the one with the lower cost
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
 * <p>Cost per pick: at most one {@code exp} and no clock read (see {@link #prefersFirst}); per
 * completion, one clock read and one {@code exp}. No lock, no allocation.
 */
final class PeakEwmaLoadBalancer extends TwoChoicesLoadBalancer {

  /** The latency assumed for an endpoint that has requests in flight but has never completed one. */
  static final double PENALTY = 1e18;

  PeakEwmaLoadBalancer(LoadBalancerBuilder builder) {
    super(builder);
  }

  @Override
  boolean prefersFirst(Snapshot<@Nullable Void> snapshot, int i, int j) {
    EndpointState a = snapshot.routable[i];
    EndpointState b = snapshot.routable[j];
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
    return costA <= costB;
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
