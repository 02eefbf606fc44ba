package dev.layerkit.core.time;

import java.time.Duration;

/**
 * Waits for a duration: the blocking counterpart of {@link TimeSource}.
 *
 * <p>Blocks that pause between attempts (retry backoff, polling) take a {@code Sleeper} so that
 * tests can replace real waiting with {@link ManualTimeSource#sleeper()}, which advances the
 * manual clock instead of blocking.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface Sleeper {

  /**
   * Waits for {@code duration}. A zero or negative duration returns at once.
   *
   * @param duration how long to wait
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  void sleep(Duration duration) throws InterruptedException;

  /**
   * Returns the sleeper that blocks the calling thread with {@link Thread#sleep(long, int)}. An
   * interrupted thread gets {@link InterruptedException} even for a zero wait, so that a loop
   * whose waits happen to be zero (full-jitter backoff can draw 0) still stops when interrupted.
   *
   * @return the system sleeper
   */
  static Sleeper system() {
    return duration -> {
      if (Thread.interrupted()) {
        throw new InterruptedException("interrupted before sleeping " + duration);
      }
      long nanos = duration.toNanos();
      if (nanos > 0) {
        Thread.sleep(nanos / 1_000_000L, (int) (nanos % 1_000_000L));
      }
    };
  }
}
