package dev.layerkit.gateway.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Points spread evenly over {@code [0, total)}, one per call: the fractional parts of {@code n}
 * times the golden ratio (a Weyl sequence, scaled to 64 bits). By the three-distance theorem any
 * run of calls covers the range within a few points of uniform, and consecutive points are far
 * apart, so a 5% share is taken every twentieth call or so rather than in bursts. Used by {@link
 * TrafficSplit} and {@link Mirror} instead of a random source: deterministic, lock-free and exact
 * to within a few requests over any window.
 *
 * <p>Thread-safe: one atomic increment per call.
 */
final class EvenSequence {

  /** The golden ratio's fractional part scaled to 2^64. */
  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

  private final AtomicLong next = new AtomicLong();

  /**
   * Returns the next point.
   *
   * @param total the size of the range, 1 to 2^62
   * @return a point in {@code [0, total)}
   */
  long next(long total) {
    // (h / 2) * (2 * total) / 2^64 = h * total / 2^64, with h the unsigned 64-bit Weyl value.
    return Math.multiplyHigh((next.getAndIncrement() * GOLDEN_GAMMA) >>> 1, total << 1);
  }
}
