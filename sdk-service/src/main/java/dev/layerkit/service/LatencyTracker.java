package dev.layerkit.service;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The hedge delay: a percentile of the last {@value #SAMPLES} successful latencies, never below
 * the configured minimum.
 *
 * <p>Recording is a ring-buffer write and a counter increment. Every {@value #RECOMPUTE_EVERY}
 * samples the recording thread sorts a copy of the ring (about 10 microseconds) and publishes the
 * new delay through a volatile field, so the call path only reads a field. Samples overwritten
 * while being copied can skew one estimate slightly; the next one corrects it.
 */
final class LatencyTracker {

  static final int SAMPLES = 1024;
  static final int RECOMPUTE_EVERY = 128;
  static final int MIN_SAMPLES = 100;

  private final double percentile;
  private final long minDelayNanos;
  private final AtomicLongArray ring = new AtomicLongArray(SAMPLES);
  private final AtomicLong count = new AtomicLong();
  private volatile long delayNanos;

  LatencyTracker(double percentile, long minDelayNanos) {
    this.percentile = percentile;
    this.minDelayNanos = minDelayNanos;
    this.delayNanos = minDelayNanos > 0 ? minDelayNanos : -1;
  }

  void record(long latencyNanos) {
    long n = count.getAndIncrement();
    ring.lazySet((int) (n % SAMPLES), latencyNanos);
    long recorded = n + 1;
    if (recorded >= MIN_SAMPLES && (recorded == MIN_SAMPLES || recorded % RECOMPUTE_EVERY == 0)) {
      recompute((int) Math.min(recorded, SAMPLES));
    }
  }

  /** Returns the delay after which to hedge, or -1 while no delay is known. */
  long delayNanos() {
    return delayNanos;
  }

  private void recompute(int samples) {
    long[] copy = new long[samples];
    for (int i = 0; i < samples; i++) {
      copy[i] = ring.get(i);
    }
    Arrays.sort(copy);
    int index = (int) Math.min(samples - 1, Math.ceil(percentile / 100.0 * samples) - 1);
    delayNanos = Math.max(minDelayNanos, copy[Math.max(0, index)]);
  }
}
