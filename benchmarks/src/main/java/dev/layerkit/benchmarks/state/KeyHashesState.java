package dev.layerkit.benchmarks.state;

import dev.layerkit.core.hash.Hashing;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A ring of pre-hashed keys that each benchmark thread walks, so that a benchmark measures the
 * lookup and not the key hashing or a random-number generator. 4,096 keys defeat the branch
 * predictor while staying in L1/L2.
 */
@State(Scope.Thread)
public class KeyHashesState {

  private static final int SIZE = 4096;
  private static final int MASK = SIZE - 1;

  private final long[] hashes = new long[SIZE];
  private int index;

  /** Hashes {@code user:0} to {@code user:4095}. */
  @Setup
  public void setUp() {
    for (int i = 0; i < SIZE; i++) {
      hashes[i] = Hashing.hash("user:" + i);
    }
  }

  /**
   * Returns the next key hash, cycling.
   *
   * @return a 64-bit key hash
   */
  public long next() {
    return hashes[index++ & MASK];
  }
}
