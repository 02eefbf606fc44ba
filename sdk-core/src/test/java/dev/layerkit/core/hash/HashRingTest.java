package dev.layerkit.core.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class HashRingTest {

  @Test
  void keyBelongsToTheFirstPointAtOrAfterItsHashWrappingAround() {
    HashRing<String> ring = HashRing.<String>builder().virtualNodes(1).node("a").node("b").build();
    long a = Hashing.hash("a#0");
    long b = Hashing.hash("b#0");
    long low = Math.min(a, b);
    long high = Math.max(a, b);
    String lowNode = low == a ? "a" : "b";
    String highNode = low == a ? "b" : "a";
    assertThat(ring.nodeFor(low)).isEqualTo(lowNode);
    assertThat(ring.nodeFor(low + 1)).isEqualTo(highNode);
    assertThat(ring.nodeFor(high)).isEqualTo(highNode);
    assertThat(ring.nodeFor(high + 1)).as("wraps to the first point").isEqualTo(lowNode);
    assertThat(ring.nodeFor(Long.MIN_VALUE)).isEqualTo(lowNode);
  }

  @Test
  void pointsPerNodeAreWeightTimesVirtualNodes() {
    HashRing<String> ring = HashRing.<String>builder().virtualNodes(10).node("a", 3).node("b").build();
    assertThat(ring.virtualNodes()).isEqualTo(10);
    assertThat(ring).hasToString("HashRing{nodes=2, virtualNodes=10, points=40}");
    assertThat(ring.nodes()).containsExactly("a", "b");
  }

  @Test
  void rejectsNonPositiveVirtualNodes() {
    assertThatThrownBy(() -> HashRing.builder().virtualNodes(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("virtualNodes must be > 0 but was 0");
  }

  @Test
  void rejectsARingTooLargeToIndex() {
    assertThatThrownBy(() -> HashRing.<String>builder().virtualNodes(Integer.MAX_VALUE).nodes(List.of("a", "b")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("points");
  }
}
