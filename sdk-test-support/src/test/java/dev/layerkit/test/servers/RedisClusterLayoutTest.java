package dev.layerkit.test.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RedisClusterLayoutTest {

  @Test
  void splitsAllSlotsIntoThreeContiguousRanges() {
    assertThat(RedisClusterLayout.slotRanges(3))
        .isDeepEqualTo(new int[][] {{0, 5461}, {5462, 10922}, {10923, 16383}});
  }

  @Test
  void oneMasterTakesEverySlot() {
    assertThat(RedisClusterLayout.slotRanges(1)).isDeepEqualTo(new int[][] {{0, 16383}});
  }

  @Test
  void rejectsNoMasters() {
    assertThatThrownBy(() -> RedisClusterLayout.slotRanges(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("masters must be in [1, 16384] but was 0");
  }

  @Test
  void readsCommaSeparatedSeedsIgnoringBlanksAndSpaces() {
    assertThat(RedisClusterLayout.parseSeeds(" host1:7000, 10.0.0.2:7001,,"))
        .containsExactly("redis://host1:7000", "redis://10.0.0.2:7001");
  }

  @Test
  void rejectsASeedWithoutAPortNamingIt() {
    assertThatThrownBy(() -> RedisClusterLayout.parseSeeds("host1:7000,host2"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("seed 'host2' is not host:port");
    assertThatThrownBy(() -> RedisClusterLayout.parseSeeds("host1:x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("seed 'host1:x' has no numeric port");
    assertThatThrownBy(() -> RedisClusterLayout.parseSeeds("host1:70000"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("seed 'host1:70000' has a port out of range");
    assertThatThrownBy(() -> RedisClusterLayout.parseSeeds(" , "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no seeds in ' , '; expected host:port,...");
  }
}
