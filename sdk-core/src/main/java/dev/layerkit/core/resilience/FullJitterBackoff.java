package dev.layerkit.core.resilience;

import dev.layerkit.core.internal.Arguments;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
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
 * <p>Public so that every Layerkit block that retries on its own schedule (the event subscribers'
 * {@code RetryPolicy}, whose retries must not block a poll loop) waits the same way as
 * {@link ResiliencePolicy}: make one with {@link #of(Duration, double, Duration, RandomGenerator)}.
 *
 * <p>Immutable. Thread-safe if the injected generator is; the default draws from
 * {@link ThreadLocalRandom#current()} on the calling thread.
 */
public final class FullJitterBackoff implements IntervalFunction {

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
   * Returns a full-jitter backoff with {@link ResiliencePolicy}'s parameters, in whole
   * milliseconds. The caller validates the parameters with its own messages; this only requires
   * them to be usable.
   *
   * @param initialBackoff the upper bound of the first wait, zero or more
   * @param backoffMultiplier the growth of the bound per attempt, at least 1
   * @param maxBackoff the cap on the bound, zero or more
   * @param random the generator of the draws, or null for {@link ThreadLocalRandom#current()}
   * @return the backoff
   * @throws NullPointerException if {@code initialBackoff} or {@code maxBackoff} is null
   * @throws IllegalArgumentException if a duration is negative or {@code backoffMultiplier} is
   *     less than 1, infinite or NaN
   */
  public static FullJitterBackoff of(Duration initialBackoff, double backoffMultiplier,
      Duration maxBackoff, @Nullable RandomGenerator random) {
    Arguments.notNegative(initialBackoff, "initialBackoff");
    Arguments.notNegative(maxBackoff, "maxBackoff");
    if (!(backoffMultiplier >= 1.0) || Double.isInfinite(backoffMultiplier)) {
      throw new IllegalArgumentException(
          "backoffMultiplier must be >= 1 and finite but was " + backoffMultiplier);
    }
    return new FullJitterBackoff(initialBackoff.toMillis(), backoffMultiplier,
        maxBackoff.toMillis(), random);
  }

  /**
   * Draws the wait after failed attempt {@code attempt}: uniform in {@code [0, ceiling]}
   * milliseconds, where {@code ceiling} is {@code min(max, initial * multiplier^(attempt-1))}.
   *
   * @param attempt the 1-based number of the attempt that just failed
   * @return the wait
   * @throws IllegalArgumentException if {@code attempt} is less than 1
   */
  public Duration backoff(int attempt) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be >= 1 but was " + attempt);
    }
    return Duration.ofMillis(apply(attempt));
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
