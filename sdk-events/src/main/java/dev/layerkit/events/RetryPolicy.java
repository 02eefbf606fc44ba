package dev.layerkit.events;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.resilience.FullJitterBackoff;
import dev.layerkit.core.resilience.ResiliencePolicy;
import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * How often a subscription calls a failing handler for one event, and how long it waits between
 * calls, before it sends the event to the dead-letter topic {@code <topic>.DLT}.
 *
 * <p>The settings and their names are those of the retry of core's {@link ResiliencePolicy}
 * ({@code maxAttempts}, {@code initialBackoff}, {@code backoffMultiplier}, {@code maxBackoff},
 * {@code random}), and so is the wait: "full jitter" through {@link FullJitterBackoff}, drawn
 * uniformly from {@code [0, min(maxBackoff, initialBackoff * backoffMultiplier^(n-1))]} in whole
 * milliseconds after failed attempt {@code n}, so that consumers that failed together do not retry
 * together. A subscription cannot run its handler through a {@code ResiliencePolicy} itself: the
 * policy waits by blocking (or on its scheduler), while a subscription must keep polling and keep
 * its other partitions flowing during the wait, so it only asks this policy how long to wait and
 * measures that on its own {@code TimeSource}.
 *
 * <p>Retries do not block other partitions, and they end: after {@link #maxAttempts()} calls the
 * event is dead-lettered with the headers in {@link DeadLetters} and its partition moves on. While
 * an event of a partition waits for its next attempt, later events of that partition wait too, so
 * that per-key order holds.
 *
 * <p>Immutable and thread-safe (if the injected {@link Builder#random random generator} is).
 *
 * <pre>{@code
 * RetryPolicy policy = RetryPolicy.builder()
 *     .maxAttempts(5)
 *     .initialBackoff(Duration.ofMillis(100))
 *     .maxBackoff(Duration.ofSeconds(5))
 *     .build();
 * }</pre>
 */
public final class RetryPolicy {

  /** Default number of handler calls per event, the first included: {@value}. */
  public static final int DEFAULT_MAX_ATTEMPTS = ResiliencePolicy.DEFAULT_MAX_ATTEMPTS;

  /** Default upper bound of the wait before the second call: 100 ms. */
  public static final Duration DEFAULT_INITIAL_BACKOFF = ResiliencePolicy.DEFAULT_INITIAL_BACKOFF;

  /** Default cap on the upper bound of one wait: 10 s. */
  public static final Duration DEFAULT_MAX_BACKOFF = ResiliencePolicy.DEFAULT_MAX_BACKOFF;

  /** Default growth of the upper bound of the wait per attempt: {@value}. */
  public static final double DEFAULT_BACKOFF_MULTIPLIER = ResiliencePolicy.DEFAULT_BACKOFF_MULTIPLIER;

  private static final RetryPolicy DEFAULTS = builder().build();
  private static final RetryPolicy NONE = builder().maxAttempts(1).build();

  private final int maxAttempts;
  private final Duration initialBackoff;
  private final double backoffMultiplier;
  private final Duration maxBackoff;
  private final @Nullable RandomGenerator random;
  private final FullJitterBackoff backoff;

  private RetryPolicy(Builder builder) {
    this.maxAttempts = builder.maxAttempts;
    this.initialBackoff = builder.initialBackoff;
    this.backoffMultiplier = builder.backoffMultiplier;
    this.maxBackoff = builder.maxBackoff;
    this.random = builder.random;
    this.backoff = FullJitterBackoff.of(initialBackoff, backoffMultiplier, maxBackoff, random);
  }

  /**
   * Returns the default policy: 3 attempts, waits of at most 100 ms then 200 ms.
   *
   * @return the default policy
   */
  public static RetryPolicy ofDefaults() {
    return DEFAULTS;
  }

  /**
   * Returns the policy that dead-letters an event after its first failed call.
   *
   * @return the policy
   */
  public static RetryPolicy noRetries() {
    return NONE;
  }

  /**
   * Returns a builder that starts from the defaults.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns a builder that starts from this policy; each of its settings may be set once more.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder builder = new Builder();
    builder.maxAttempts = maxAttempts;
    builder.initialBackoff = initialBackoff;
    builder.backoffMultiplier = backoffMultiplier;
    builder.maxBackoff = maxBackoff;
    builder.random = random;
    return builder;
  }

  /**
   * Returns the number of handler calls per event, the first included.
   *
   * @return at least 1
   */
  public int maxAttempts() {
    return maxAttempts;
  }

  /**
   * Draws the wait after failed attempt {@code attempt}, before the next: uniform in {@code [0,
   * min(maxBackoff, initialBackoff * backoffMultiplier^(attempt-1))]}, in whole milliseconds.
   *
   * @param attempt the number of the attempt that failed, from 1
   * @return the wait, at most {@code maxBackoff}
   * @throws IllegalArgumentException if {@code attempt} is less than 1
   */
  public Duration backoff(int attempt) {
    return backoff.backoff(attempt);
  }

  @Override
  public String toString() {
    return "RetryPolicy{maxAttempts=" + maxAttempts + ", initialBackoff=" + initialBackoff
        + ", backoffMultiplier=" + backoffMultiplier + ", maxBackoff=" + maxBackoff
        + ", jitter=full}";
  }

  /**
   * Builds a {@link RetryPolicy}. Each setting may be given once. Not thread-safe.
   */
  public static final class Builder {

    private final BuilderSettings settings = new BuilderSettings();
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    private double backoffMultiplier = DEFAULT_BACKOFF_MULTIPLIER;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private @Nullable RandomGenerator random;

    private Builder() {}

    /**
     * Sets the number of handler calls per event, the first included. Default {@value
     * RetryPolicy#DEFAULT_MAX_ATTEMPTS}.
     *
     * @param maxAttempts at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code maxAttempts} is less than 1
     * @throws IllegalStateException if already set
     */
    public Builder maxAttempts(int maxAttempts) {
      settings.requireUnset("maxAttempts", this.maxAttempts);
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be >= 1 but was " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * Sets the upper bound of the wait after the first failed attempt. Default 100 ms.
     *
     * @param initialBackoff zero or more; zero retries at once
     * @return this builder
     * @throws NullPointerException if {@code initialBackoff} is null
     * @throws IllegalArgumentException if it is negative
     * @throws IllegalStateException if already set
     */
    public Builder initialBackoff(Duration initialBackoff) {
      settings.requireUnset("initialBackoff", this.initialBackoff);
      this.initialBackoff = Arguments.notNegative(initialBackoff, "initialBackoff");
      return this;
    }

    /**
     * Sets how much the upper bound of the wait grows per attempt. Default {@value
     * RetryPolicy#DEFAULT_BACKOFF_MULTIPLIER}.
     *
     * @param backoffMultiplier finite and at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code backoffMultiplier} is less than 1, infinite or
     *     not a number
     * @throws IllegalStateException if already set
     */
    public Builder backoffMultiplier(double backoffMultiplier) {
      settings.requireUnset("backoffMultiplier", this.backoffMultiplier);
      if (!(backoffMultiplier >= 1.0) || Double.isInfinite(backoffMultiplier)) {
        throw new IllegalArgumentException(
            "backoffMultiplier must be >= 1 and finite but was " + backoffMultiplier);
      }
      this.backoffMultiplier = backoffMultiplier;
      return this;
    }

    /**
     * Sets the cap on the upper bound of one wait. Default 10 s.
     *
     * @param maxBackoff zero or more, not below {@link #initialBackoff(Duration)} ({@link #build()}
     *     checks)
     * @return this builder
     * @throws NullPointerException if {@code maxBackoff} is null
     * @throws IllegalArgumentException if it is negative
     * @throws IllegalStateException if already set
     */
    public Builder maxBackoff(Duration maxBackoff) {
      settings.requireUnset("maxBackoff", this.maxBackoff);
      this.maxBackoff = Arguments.notNegative(maxBackoff, "maxBackoff");
      return this;
    }

    /**
     * Sets the generator that draws the jitter; meant for tests that assert exact waits. The wait
     * after failed attempt {@code n} is {@code random.nextLong(ceiling + 1)} milliseconds. By
     * default each draw uses {@link java.util.concurrent.ThreadLocalRandom#current()}.
     *
     * @param random the generator; called from every subscription's thread, so thread-safe if
     *     the policy is shared
     * @return this builder
     * @throws NullPointerException if {@code random} is null
     * @throws IllegalStateException if already set
     */
    public Builder random(RandomGenerator random) {
      settings.requireUnset("random", this.random);
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return the policy
     * @throws IllegalStateException if {@code maxBackoff} is less than {@code initialBackoff}
     */
    public RetryPolicy build() {
      if (maxBackoff.compareTo(initialBackoff) < 0) {
        throw new IllegalStateException("maxBackoff " + maxBackoff
            + " must be >= initialBackoff " + initialBackoff);
      }
      return new RetryPolicy(this);
    }
  }
}
