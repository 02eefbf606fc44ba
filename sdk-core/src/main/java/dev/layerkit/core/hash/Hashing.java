package dev.layerkit.core.hash;

import java.util.Objects;
import net.openhft.hashing.LongHashFunction;

/**
 * Fast, well-distributed 64-bit hashes of keys.
 *
 * <p>All methods use XXH3 (64-bit, seed 0) from OpenHFT's zero-allocation-hashing library. They
 * allocate nothing, are thread-safe, and return the same value in every JVM and on every
 * platform: a string hashes as its UTF-16 code units in little-endian order, whatever the JVM's
 * internal string representation. That stability matters because hashes decide where keys live
 * (shards, cache nodes) and must agree between processes and releases.
 *
 * <p>These are not cryptographic hashes: do not use them where an adversary chooses keys to
 * collide on purpose.
 */
public final class Hashing {

  private static final LongHashFunction XXH3 = LongHashFunction.xx3();

  private Hashing() {}

  /**
   * Returns the 64-bit hash of a string's characters.
   *
   * @param key the key to hash
   * @return the hash
   * @throws NullPointerException if {@code key} is null
   */
  public static long hash(String key) {
    return XXH3.hashChars(Objects.requireNonNull(key, "key"));
  }

  /**
   * Returns the 64-bit hash of a byte array.
   *
   * @param key the bytes to hash
   * @return the hash
   * @throws NullPointerException if {@code key} is null
   */
  public static long hash(byte[] key) {
    return XXH3.hashBytes(Objects.requireNonNull(key, "key"));
  }

  /**
   * Returns the 64-bit hash of {@code length} bytes of {@code key} starting at {@code offset}.
   *
   * @param key the bytes to hash
   * @param offset the index of the first byte
   * @param length how many bytes to hash
   * @return the hash
   * @throws NullPointerException if {@code key} is null
   * @throws IndexOutOfBoundsException if the range is outside the array
   */
  public static long hash(byte[] key, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, Objects.requireNonNull(key, "key").length);
    return XXH3.hashBytes(key, offset, length);
  }

  /**
   * Returns the 64-bit hash of a long, for example a numeric id. Unlike the identity this spreads
   * sequential ids over the whole range.
   *
   * @param key the value to hash
   * @return the hash
   */
  public static long hash(long key) {
    return XXH3.hashLong(key);
  }
}
