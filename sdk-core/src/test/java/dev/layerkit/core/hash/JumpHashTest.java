package dev.layerkit.core.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

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
        for (int buckets = 2; buckets <= 64; buckets++) {
          int bucket = JumpHash.bucket(key, buckets);
          assertThat(bucket).isEqualTo(JumpHash.byDivision(key, buckets)).isBetween(0, buckets - 1);
          if (overflowingStep > 1) {
            // From the second step on, the loop stops at the overflow as Guava does.
            assertThat(bucket).as("key %d, %d buckets", key, buckets)
                .isEqualTo(com.google.common.hash.Hashing.consistentHash(key, buckets));
          }
        }
      }
    }
  }

  /**
   * A key whose third step overflows: the loop used to run on with a negative candidate for about
   * 2^31 steps and answer {@code Integer.MIN_VALUE}, which made {@code ShardedRepository} throw,
   * after seconds of CPU.
   */
  @Test
  void aKeyWhoseLaterStepOverflowsGetsGuavasBucketAtOnce() {
    assertTimeoutPreemptively(java.time.Duration.ofSeconds(5), () -> {
      assertThat(JumpHash.bucket(39393756593911234L, 4)).isEqualTo(3)
          .isEqualTo(com.google.common.hash.Hashing.consistentHash(39393756593911234L, 4));
      assertThat(JumpHash.bucket(39393756593911234L, 1000))
          .isEqualTo(com.google.common.hash.Hashing.consistentHash(39393756593911234L, 1000));
    });
  }

  /** A key whose first step overflows keeps the bucket it always had, where Guava differs. */
  @Test
  void aKeyWhoseFirstStepOverflowsKeepsItsBucket() {
    long inverse = BigInteger.valueOf(2862933555777941757L)
        .modInverse(BigInteger.ONE.shiftLeft(64)).longValue();
    long key = ((0x7FFF_FFFFL << 33) | 12_345L) - 1;
    key *= inverse;
    // The old loop, as it was: negative candidates carried on.
    int buckets = 1000;
    long state = key;
    int b = 0;
    while (true) {
      state = state * 2862933555777941757L + 1;
      double r = ((int) (state >>> 33) + 1) * 0x1.0p-31;
      int next = (int) ((b + 1) / r);
      if (next >= buckets) {
        break;
      }
      b = next;
    }
    assertThat(JumpHash.bucket(key, buckets)).isEqualTo(b);
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
