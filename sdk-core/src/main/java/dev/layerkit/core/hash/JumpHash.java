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
 * <p>Cost: O(ln n) steps, no memory, no allocation. Thread-safe (stateless). The result for a
 * given key and bucket count never changes between releases; it matches the paper's reference
 * code and Guava's {@code Hashing.consistentHash} for the same 64-bit input.
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
    // The paper's loop in int arithmetic: r in (0, 1] is the LCG's top 31 bits, and the next
    // candidate is floor((b + 1) / r); a cast of a too-large double saturates, ending the loop.
    int b = 0;
    while (true) {
      key = key * 2862933555777941757L + 1;
      double r = ((int) (key >>> 33) + 1) * 0x1.0p-31;
      int next = (int) ((b + 1) / r);
      if (next >= buckets) {
        return b;
      }
      b = next;
    }
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
