package dev.layerkit.core.resilience;

import io.github.resilience4j.core.IntervalFunction;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Exponential backoff with "full jitter": the wait before retry {@code n} (1-based) is drawn
 * uniformly from {@code [0, min(max, initial * multiplier^(n-1))]} milliseconds.
 *
 * <p>Written here because Resilience4j's {@code IntervalFunction.ofExponentialRandomBackoff}
 * randomizes around the exponential value ({@code value * (1 +- factor)}) rather than from zero;
 * full jitter spreads synchronized clients best (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"). Resilience4j still drives the retries; this only answers "how long".
 *
 * <p>Thread-safe if the injected generator is; the default draws from
 * {@link ThreadLocalRandom#current()} on the calling thread.
 */
final class FullJitterBackoff implements IntervalFunction {

  private final long initialMillis;
  private final double multiplier;
  private final long maxMillis;
  private final @Nullable RandomGenerator random;

  FullJitterBackoff(long initialMillis, double multiplier, long maxMillis, @Nullable RandomGenerator random) {
    this.initialMillis = initialMillis;
    this.multiplier = multiplier;
    this.maxMillis = maxMillis;
    this.random = random;
  }

  /**
   * Returns the upper bound, in milliseconds, of the wait after failed attempt {@code attempt}.
   *
   * @param attempt the 1-based number of the attempt that just failed
   * @return {@code min(max, initial * multiplier^(attempt-1))}
   */
  long ceilingMillis(int attempt) {
    // In double so that a long run of attempts saturates at max instead of overflowing.
    double exponential = initialMillis * Math.pow(multiplier, Math.max(0, attempt - 1));
    return exponential >= maxMillis ? maxMillis : (long) exponential;
  }

  @Override
  public Long apply(Integer attempt) {
    long bound = ceilingMillis(attempt) + 1; // inclusive upper end
    RandomGenerator generator = random != null ? random : ThreadLocalRandom.current();
    return generator.nextLong(bound);
  }

  @Override
  public String toString() {
    return "FullJitterBackoff{initial=" + initialMillis + "ms, multiplier=" + multiplier + ", max=" + maxMillis + "ms}";
  }
}
