package dev.layerkit.gateway.lb;

import static dev.layerkit.gateway.lb.TestEndpoints.weighted;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class SmoothWeightedRoundRobinTest {

  /**
   * nginx's documented example (the commit that introduced smooth weighted round robin,
   * nginx 1.3.1): weights 5, 1, 1 give {@code a a b a c a a}, not {@code c b a a a a a}.
   */
  @Test
  void followsNginxSmoothOrderForWeights511() {
    List<Endpoint> endpoints = weighted(5, 1, 1);
    LoadBalancer lb = LoadBalancers.weightedRoundRobin().endpoints(endpoints).build();
    Endpoint a = endpoints.get(0);
    Endpoint b = endpoints.get(1);
    Endpoint c = endpoints.get(2);

    List<Endpoint> picks = new ArrayList<>();
    for (int i = 0; i < 21; i++) {
      Endpoint picked = lb.pick();
      lb.onComplete(picked, 1, true);
      picks.add(picked);
    }

    List<Endpoint> period = List.of(a, a, b, a, c, a, a);
    assertThat(picks.subList(0, 7)).isEqualTo(period);
    assertThat(picks.subList(7, 14)).isEqualTo(period);
    assertThat(picks.subList(14, 21)).isEqualTo(period);
  }

  /** The precomputed period equals nginx's per-pick algorithm, run step by step, for random weights. */
  @RepeatedTest(20)
  void precomputedPeriodMatchesStepwiseNginxAlgorithm() {
    Random random = new Random();
    int n = 1 + random.nextInt(8);
    int[] weights = new int[n];
    int total = 0;
    for (int i = 0; i < n; i++) {
      weights[i] = 1 + random.nextInt(20);
      total += weights[i];
    }

    int[] sequence = SmoothWeightedRoundRobin.sequence(weights);

    assertThat(sequence).hasSize(total).isEqualTo(stepwiseNginx(weights, total));
  }

  @Test
  void capsVeryLongPeriodsAndKeepsRatios() {
    int[] sequence = SmoothWeightedRoundRobin.sequence(new int[] {999_983, 1, 300_007});

    assertThat(sequence.length).isLessThanOrEqualTo(SmoothWeightedRoundRobin.MAX_PERIOD + 3);
    long[] counts = new long[3];
    for (int i : sequence) {
      counts[i]++;
    }
    assertThat(counts[1]).isEqualTo(1);
    assertThat((double) counts[0] / counts[2]).isCloseTo(999_983 / 300_007.0, org.assertj.core.data.Offset.offset(0.01));
  }

  /** nginx's ngx_http_upstream_get_peer, transcribed: current += weight; pick the largest; subtract total. */
  private static int[] stepwiseNginx(int[] weights, int picks) {
    int total = 0;
    for (int w : weights) {
      total += w;
    }
    int[] current = new int[weights.length];
    int[] out = new int[picks];
    for (int p = 0; p < picks; p++) {
      int best = -1;
      for (int i = 0; i < weights.length; i++) {
        current[i] += weights[i];
        if (best == -1 || current[i] > current[best]) {
          best = i;
        }
      }
      current[best] -= total;
      out[p] = best;
    }
    return out;
  }
}
