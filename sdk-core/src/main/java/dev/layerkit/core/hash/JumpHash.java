package dev.layerkit.core.hash;

import dev.layerkit.core.internal.Arguments;

/**
 * Jump consistent hash (Lamping and Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm",
 * 2014): maps a 64-bit key onto one of {@code n} numbered buckets.
 *
 * <p>When the bucket count grows from {@code n} to {@code n + 1}, a key either stays where it was
 * or moves to the new bucket {@code n}, and about {@code 1/(n+1)} of keys move: the minimum
 * possible. Buckets can only be added or removed at the end, so jump hash suits numbered shards,
 * not an arbitrary set of named nodes (use {@link ConsistentHash} for those).
 *
 * <p>Cost: O(ln n) steps, no memory, no allocation; up to 4 buckets, a few multiplications and
 * comparisons per bucket instead of a division per step (the same result, about 13 instead of
 * 17 ns for 4 buckets). Thread-safe (stateless). The result for a given key and bucket count
 * never changes between releases; it matches the paper's reference code and Guava's
 * {@code Hashing.consistentHash} for the same 64-bit input.
 */
public final class JumpHash {

  private JumpHash() {}

  /**
   * Returns the bucket in {@code [0, buckets)} for a 64-bit key.
   *
   * <p>The key should already be well distributed (a hash); sequential ids work but give slightly
   * less even loads; pass them through {@link Hashing#hash(long)} first.
   *
   * @param key the key's 64-bit hash
   * @param buckets the number of buckets
   * @return the bucket index
   * @throws IllegalArgumentException if {@code buckets} is not positive
   */
  public static int bucket(long key, int buckets) {
    Arguments.positive(buckets, "buckets");
    if (buckets <= FEW_BUCKETS) {
      int b = fewBuckets(key, buckets);
      if (b >= 0) {
        return b;
      }
    }
    return byDivision(key, buckets);
  }

  /**
   * The bucket counts up to which {@link #fewBuckets} answers: its cost grows with the square of
   * the count, the division loop's with its logarithm; at 5 buckets they cost the same.
   */
  static final int FEW_BUCKETS = 4;

  /**
   * The paper's loop in int arithmetic, as Guava's {@code consistentHash} computes it: r in (0, 1]
   * is the LCG's top 31 bits, and the next candidate is floor((b + 1) / r); a cast of a too-large
   * double saturates, ending the loop.
   *
   * <p>When a step's top 31 bits are all set (one step in 2^31), {@code (int) (key >>> 33) + 1}
   * overflows, r is -1 and the candidate negative; Guava stops there and answers the bucket it
   * had. So does this loop from the second step on. Until 2026-12 it went on with the negative
   * candidate instead, which could run for about 2^31 steps and answer {@code Integer.MIN_VALUE}
   * (key 39393756593911234 with 4 buckets, for one): seconds of CPU per call for ids chosen to hit
   * it, and an index no caller can use, so no key can have been stored under that answer. At the
   * first step the old loop recovered (the negative candidate -1 leads back to bucket 0 at the next
   * step) and answers a bucket that may differ from Guava's; that stays, so that the records of
   * such keys stay where they are.
   */
  static int byDivision(long key, int buckets) {
    int b = 0;
    while (true) {
      key = key * 2862933555777941757L + 1;
      double r = ((int) (key >>> 33) + 1) * 0x1.0p-31;
      int next = (int) ((b + 1) / r);
      if (next >= buckets || (next < 0 && b > 0)) {
        return b;
      }
      b = next;
    }
  }

  /**
   * {@link #byDivision}'s result for a few buckets, without a division or a data-dependent branch;
   * -1 in the one case it leaves to {@code byDivision}.
   *
   * <p>Why: each step of the loop divides by the step's r and tests the result, so a lookup pays a
   * chain of dependent divisions and a mispredicted loop exit, about 17 ns for 4 buckets on this
   * project's machines, which is most of a sharded repository's route. Here each step's candidate
   * is counted instead of divided: with {@code m = (int) (key >>> 33) + 1} (so r = m / 2^31) and
   * {@code x = (b + 1) * 2^31}, the candidate {@code floor(x / m)} is below {@code buckets} exactly
   * when {@code buckets * m > x}, and is then the number of t in [1, buckets) with
   * {@code t * m <= x}. Every step runs, and one that the loop would not have reached changes
   * nothing ({@code stopped}).
   *
   * <p>Why the result is the loop's, bit for bit: the loop's candidate is the double quotient
   * {@code x / m} rounded to nearest, then truncated. Rounding never moves a quotient below an
   * integer it had reached, and moves one up to an integer K only if {@code K - x / m}, which is at
   * least {@code 1 / m} (its numerator {@code K * m - x} is a positive integer), is within half an
   * ulp of the quotient, at most {@code x / m * 2^-53}: that needs {@code x >= 2^53}, i.e.
   * {@code b + 1 >= 2^22}, far above {@link #FEW_BUCKETS}. The one input on which the loop's int
   * arithmetic differs from this one is {@code key >>> 33 == 2^31 - 1}, where {@code m} overflows
   * to a negative r; that returns -1 and the loop answers. {@code JumpHashTest} checks the
   * first against Guava and the loop, and that the second is handed over.
   */
  static int fewBuckets(long key, int buckets) {
    // Comparisons as sign bits rather than conditionals: C2 compiles a conditional here to a
    // branch or a conditional move depending on its profile, and a branch mispredicts.
    long b = 0;
    long stopped = 0; // 1 once a step's candidate reached buckets
    for (int step = 1; step < buckets; step++) {
      key = key * 2862933555777941757L + 1;
      int m = (int) (key >>> 33) + 1;
      if (m < 0) {
        return -1;
      }
      long x = (b + 1) << 31;
      long next = 0;
      for (int t = 1; t < buckets; t++) {
        next += ((x - (long) t * m) >>> 63) ^ 1; // t * m <= x
      }
      stopped |= ((x - (long) buckets * m) >>> 63) ^ 1; // buckets * m <= x
      b = next ^ ((b ^ next) & -stopped); // stopped ? b : next
    }
    return (int) b;
  }

  /**
   * Returns the bucket in {@code [0, buckets)} for a string key, hashed with
   * {@link Hashing#hash(String)}.
   *
   * @param key the key
   * @param buckets the number of buckets
   * @return the bucket index
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if {@code buckets} is not positive
   */
  public static int bucket(String key, int buckets) {
    return bucket(Hashing.hash(key), buckets);
  }
}
