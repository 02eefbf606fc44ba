package dev.layerkit.gateway.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** The weighted random strategy's alias table gives each endpoint exactly its share of weight. */
class RandomAliasTableTest {

  @Test
  void givesEachIndexItsWeightShare() {
    int[] weights = {1, 2, 3, 4};

    double[] p = RandomLoadBalancer.AliasTable.of(weights).probabilities();

    for (int i = 0; i < weights.length; i++) {
      assertThat(p[i]).isCloseTo(weights[i] / 10.0, within(1e-9));
    }
  }

  @RepeatedTest(20)
  void isExactForRandomWeights() {
    Random random = new Random();
    int n = 1 + random.nextInt(300);
    int[] weights = new int[n];
    long total = 0;
    for (int i = 0; i < n; i++) {
      weights[i] = 1 + random.nextInt(random.nextBoolean() ? 3 : Endpoint.MAX_WEIGHT);
      total += weights[i];
    }

    double[] p = RandomLoadBalancer.AliasTable.of(weights).probabilities();

    for (int i = 0; i < n; i++) {
      assertThat(p[i]).isCloseTo((double) weights[i] / total, within(1e-8));
    }
  }
}
