package dev.layerkit.gateway.lb;

import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * Weighted random: each pick draws an endpoint with probability proportional to its effective
 * weight, in O(1) whatever the weights, by Vose's alias method: the snapshot holds, per slot, an
 * acceptance threshold and an alias; a pick draws one 64-bit random number, takes a slot from its
 * high half and a coin from its low half, and returns the slot's endpoint if the coin is under the
 * threshold, else the alias. Equal weights skip the table. {@link ThreadLocalRandom} keeps draws
 * contention-free.
 */
final class RandomLoadBalancer extends AbstractLoadBalancer<RandomLoadBalancer.@Nullable AliasTable> {

  /** Coins are 31-bit; a threshold of {@code 2^31} always accepts. */
  static final long ONE = 1L << 31;

  RandomLoadBalancer(LoadBalancerBuilder builder) {
    super(builder);
  }

  @Override
  @Nullable AliasTable prepare(EndpointState[] routable, int[] weights, boolean uniform) {
    return uniform ? null : AliasTable.of(weights);
  }

  @Override
  EndpointState choose(Snapshot<@Nullable AliasTable> snapshot, RequestContext context) {
    EndpointState[] routable = snapshot.routable;
    AliasTable table = snapshot.pickTable;
    long r = ThreadLocalRandom.current().nextLong();
    // Lemire's multiply-shift maps the high 32 bits onto [0, n) without a division.
    int slot = (int) (((r >>> 32) * routable.length) >>> 32);
    if (table == null) {
      return routable[slot];
    }
    return (r & (ONE - 1)) < table.threshold[slot] ? routable[slot] : routable[table.alias[slot]];
  }

  /** Vose's alias table over integer weights, with thresholds in units of {@code 2^-31}. */
  static final class AliasTable {
    final long[] threshold;
    final int[] alias;

    private AliasTable(long[] threshold, int[] alias) {
      this.threshold = threshold;
      this.alias = alias;
    }

    static AliasTable of(int[] weights) {
      int n = weights.length;
      long total = 0;
      for (int w : weights) {
        total += w;
      }
      // Each slot holds probability 1/n; in these units a slot is "full" at total. Weights are at
      // most 10^6 and n at most a few thousand, so w * n stays far from overflow.
      long[] scaled = new long[n];
      int[] small = new int[n];
      int[] large = new int[n];
      int smallCount = 0;
      int largeCount = 0;
      for (int i = 0; i < n; i++) {
        scaled[i] = (long) weights[i] * n;
        if (scaled[i] < total) {
          small[smallCount++] = i;
        } else {
          large[largeCount++] = i;
        }
      }
      long[] threshold = new long[n];
      int[] alias = new int[n];
      while (smallCount > 0 && largeCount > 0) {
        int s = small[--smallCount];
        int l = large[--largeCount];
        threshold[s] = (long) ((double) scaled[s] / total * ONE);
        alias[s] = l;
        scaled[l] -= total - scaled[s];
        if (scaled[l] < total) {
          small[smallCount++] = l;
        } else {
          large[largeCount++] = l;
        }
      }
      // What is left is full, up to rounding.
      while (largeCount > 0) {
        int l = large[--largeCount];
        threshold[l] = ONE;
        alias[l] = l;
      }
      while (smallCount > 0) {
        int s = small[--smallCount];
        threshold[s] = ONE;
        alias[s] = s;
      }
      return new AliasTable(threshold, alias);
    }

    /** Returns the probability this table gives each index; for tests. */
    double[] probabilities() {
      double[] p = new double[threshold.length];
      for (int i = 0; i < threshold.length; i++) {
        double accept = (double) threshold[i] / ONE;
        p[i] += accept / threshold.length;
        p[alias[i]] += (1 - accept) / threshold.length;
      }
      return p;
    }
  }
}
