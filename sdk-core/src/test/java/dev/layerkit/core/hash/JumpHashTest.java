package dev.layerkit.core.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JumpHashTest {

  @Test
  void agreesWithGuavaConsistentHashForTheSameKey() {
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < 10_000; i++) {
      long key = random.nextLong();
      int buckets = 1 + random.nextInt(5_000);
      assertThat(JumpHash.bucket(key, buckets))
          .as("key %d, %d buckets", key, buckets)
          .isEqualTo(com.google.common.hash.Hashing.consistentHash(key, buckets));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 10, 99, 1000})
  void growingByOneBucketMovesKeysOnlyToTheNewBucketAndAboutOneInNPlusOne(int buckets) {
    int keys = 200_000;
    int moved = 0;
    for (int i = 0; i < keys; i++) {
      long key = Hashing.hash(i);
      int before = JumpHash.bucket(key, buckets);
      int after = JumpHash.bucket(key, buckets + 1);
      if (after != before) {
        assertThat(after).as("a moved key goes to the new bucket").isEqualTo(buckets);
        moved++;
      }
    }
    double expected = 1.0 / (buckets + 1);
    assertThat((double) moved / keys).isCloseTo(expected, org.assertj.core.data.Offset.offset(expected * 0.05 + 0.002));
  }

  @Test
  void spreadsKeysEvenly() {
    int buckets = 100;
    int[] counts = new int[buckets];
    int keys = 1_000_000;
    for (int i = 0; i < keys; i++) {
      counts[JumpHash.bucket("key-" + i, buckets)]++;
    }
    for (int count : counts) {
      assertThat(count).isBetween(keys / buckets * 95 / 100, keys / buckets * 105 / 100);
    }
  }

  @Test
  void singleBucketTakesEveryKey() {
    assertThat(JumpHash.bucket(Long.MIN_VALUE, 1)).isZero();
    assertThat(JumpHash.bucket(-1L, 1)).isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
  void rejectsNonPositiveBucketCountNamingTheValue(int buckets) {
    assertThatThrownBy(() -> JumpHash.bucket(42L, buckets))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("buckets must be > 0 but was " + buckets);
  }

  @Test
  void rejectsNullKey() {
    assertThatThrownBy(() -> JumpHash.bucket((String) null, 3))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key");
  }
}
