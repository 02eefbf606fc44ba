package dev.layerkit.gateway.http;

import java.security.MessageDigest;
import java.util.List;

/**
 * The stored API key hashes of an {@link ApiKeyAuth} and the lookup that finds which one a
 * presented key's hash equals, in time that depends only on the number of stored hashes.
 *
 * <p>Design: every lookup compares the presented hash with <em>every</em> stored hash, each with
 * {@link MessageDigest#isEqual} (constant time for equal lengths, and every hash here is 32
 * bytes), and folds the results into the matching index with masks instead of returning on the
 * first match. So the time of a lookup says neither which key matched, nor whether one did, nor
 * how many bytes of a wrong key were right. Comparing hashes rather than the keys themselves is
 * the first line of defence (a prefix match of a SHA-256 hash tells an attacker nothing about the
 * key); the full scan is the second, and keeps a lookup's time independent of the key's position.
 *
 * <p>Immutable and thread-safe. A lookup allocates nothing.
 */
final class ConstantTimeKeys {

  /** Compares two byte arrays; {@link MessageDigest#isEqual} outside tests. */
  @FunctionalInterface
  interface Equality {
    boolean equal(byte[] a, byte[] b);
  }

  /** The length of a SHA-256 hash, in bytes. */
  static final int HASH_LENGTH = 32;

  /** Returned by {@link #indexOf} when no stored hash matches. */
  static final int NO_MATCH = -1;

  private final byte[][] hashes;
  private final Equality equality;

  /**
   * Creates the table.
   *
   * @param hashes the stored hashes, each {@value #HASH_LENGTH} bytes, copied
   * @param equality how two hashes are compared
   */
  ConstantTimeKeys(List<byte[]> hashes, Equality equality) {
    this.hashes = new byte[hashes.size()][];
    for (int i = 0; i < this.hashes.length; i++) {
      byte[] hash = hashes.get(i);
      if (hash.length != HASH_LENGTH) {
        throw new IllegalArgumentException(
            "hash must be " + HASH_LENGTH + " bytes but was " + hash.length);
      }
      this.hashes[i] = hash.clone();
    }
    this.equality = equality;
  }

  /**
   * Creates the table compared with {@link MessageDigest#isEqual}.
   *
   * @param hashes the stored hashes, each {@value #HASH_LENGTH} bytes, copied
   */
  ConstantTimeKeys(List<byte[]> hashes) {
    this(hashes, MessageDigest::isEqual);
  }

  /**
   * Returns the index of the stored hash equal to {@code presented}, having compared it with
   * every stored hash.
   *
   * @param presented the SHA-256 hash of the presented key, {@value #HASH_LENGTH} bytes
   * @return the index in the list given to the constructor, or {@link #NO_MATCH}
   */
  int indexOf(byte[] presented) {
    int found = NO_MATCH;
    for (int i = 0; i < hashes.length; i++) {
      // All ones when equal, else zero: selects i without a data-dependent branch or early exit.
      int mask = -(equality.equal(hashes[i], presented) ? 1 : 0);
      found = (found & ~mask) | (i & mask);
    }
    return found;
  }

  /**
   * Returns the number of stored hashes.
   *
   * @return the size
   */
  int size() {
    return hashes.length;
  }
}
