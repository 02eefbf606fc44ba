package dev.layerkit.core.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
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

  @Test
  void theDivisionFreePathForFewBucketsAgreesWithTheDivisionLoopAndGuavaForEveryCount() {
    SplittableRandom random = new SplittableRandom(7);
    for (int buckets = 1; buckets <= JumpHash.FEW_BUCKETS; buckets++) {
      for (int i = 0; i < 200_000; i++) {
        long key = random.nextLong();
        int expected = com.google.common.hash.Hashing.consistentHash(key, buckets);
        assertThat(JumpHash.fewBuckets(key, buckets)).as("key %d, %d buckets", key, buckets).isEqualTo(expected);
        assertThat(JumpHash.byDivision(key, buckets)).as("key %d, %d buckets", key, buckets).isEqualTo(expected);
      }
    }
  }

  /**
   * A step whose LCG value has its top 31 bits set (about one step in 2^31) makes the int
   * arithmetic of the division loop overflow into a negative r. The division-free path must not
   * answer for such keys: it returns -1, and {@link JumpHash#bucket} gives them to the loop, so
   * their bucket is what it always was. (On these keys the loop does not match Guava, which stops
   * at a negative candidate: see {@code JumpHash#byDivision}.)
   */
  @Test
  void keysWhoseStepOverflowsTheIntArithmeticAreLeftToTheDivisionLoop() {
    BigInteger twoTo64 = BigInteger.ONE.shiftLeft(64);
    long inverse = BigInteger.valueOf(2862933555777941757L).modInverse(twoTo64).longValue();
    SplittableRandom random = new SplittableRandom(3);
    for (int overflowingStep = 1; overflowingStep <= 3; overflowingStep++) {
      for (int i = 0; i < 100; i++) {
        // The LCG state after the overflowing step, then the steps undone back to the key.
        long state = (0x7FFF_FFFFL << 33) | (random.nextLong() >>> 31);
        for (int step = 0; step < overflowingStep; step++) {
          state = (state - 1) * inverse;
        }
        long key = state;
        long afterSteps = key;
        for (int step = 0; step < overflowingStep; step++) {
          afterSteps = afterSteps * 2862933555777941757L + 1;
        }
        assertThat((int) (afterSteps >>> 33) + 1).as("the step overflows").isNegative();
        for (int buckets = overflowingStep + 1; buckets <= JumpHash.FEW_BUCKETS; buckets++) {
          assertThat(JumpHash.fewBuckets(key, buckets)).as("key %d, %d buckets", key, buckets).isEqualTo(-1);
        }
        if (overflowingStep == 1) {
          // The loop recovers from an overflow at its first step (at later ones it may not end).
          for (int buckets = 2; buckets <= JumpHash.FEW_BUCKETS; buckets++) {
            assertThat(JumpHash.bucket(key, buckets)).isEqualTo(JumpHash.byDivision(key, buckets)).isBetween(0, buckets - 1);
          }
        }
      }
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
