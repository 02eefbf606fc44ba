package dev.layerkit.core.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MaglevHashTest {

  @Test
  void defaultTableGivesEachOfHundredEqualNodesASlotCountWithinOnePercentOfTheMean() {
    List<String> nodes = IntStream.range(0, 100).mapToObj(i -> "node-" + i).toList();
    MaglevHash<String> maglev = MaglevHash.of(nodes);
    assertThat(maglev.tableSize()).isEqualTo(MaglevHash.DEFAULT_TABLE_SIZE);
    double mean = (double) maglev.tableSize() / nodes.size();
    int total = 0;
    for (String node : nodes) {
      int slots = maglev.slots(node);
      assertThat(Math.abs(slots - mean) / mean).as(node).isLessThanOrEqualTo(0.01);
      total += slots;
    }
    assertThat(total).isEqualTo(maglev.tableSize());
  }

  @Test
  void growsTheTableToAHundredSlotsPerNodeForLargeNodeSets() {
    List<Integer> nodes = IntStream.range(0, 1000).boxed().toList();
    MaglevHash<Integer> maglev = MaglevHash.of(nodes);
    assertThat(maglev.tableSize()).isGreaterThanOrEqualTo(100_000);
    assertThat(java.math.BigInteger.valueOf(maglev.tableSize()).isProbablePrime(64)).isTrue();
  }

  @Test
  void weightedSlotsAreProportionalToWeight() {
    MaglevHash<String> maglev = MaglevHash.<String>builder().node("a", 1).node("b", 2).node("c", 5).build();
    assertThat(maglev.slots("a") + maglev.slots("b") + maglev.slots("c")).isEqualTo(maglev.tableSize());
    assertThat((double) maglev.slots("b") / maglev.slots("a")).isBetween(1.98, 2.02);
    assertThat((double) maglev.slots("c") / maglev.slots("a")).isBetween(4.95, 5.05);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 4, 65_536, -7})
  void rejectsATableSizeThatIsNotAPrime(int size) {
    assertThatThrownBy(() -> MaglevHash.<String>builder().tableSize(size))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tableSize must be a prime > 2 but was " + size);
  }

  @Test
  void rejectsATableSmallerThanTheNodeSet() {
    assertThatThrownBy(() -> MaglevHash.<String>builder().tableSize(3).nodes(List.of("a", "b", "c", "d")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tableSize must be >= the node count 4 but was 3");
  }
}
