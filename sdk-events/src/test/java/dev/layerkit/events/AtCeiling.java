package dev.layerkit.events;

import java.util.random.RandomGenerator;

/**
 * A jitter generator that always draws the largest value, so that a {@link RetryPolicy} waits
 * exactly its exponential ceiling and a test on a {@code ManualTimeSource} knows when each retry
 * is due.
 */
public final class AtCeiling implements RandomGenerator {

  /** The one instance; stateless. */
  public static final AtCeiling RANDOM = new AtCeiling();

  private AtCeiling() {}

  @Override
  public long nextLong() {
    return Long.MAX_VALUE;
  }

  @Override
  public long nextLong(long bound) {
    return bound - 1;
  }
}
