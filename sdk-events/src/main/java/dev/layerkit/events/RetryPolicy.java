package dev.layerkit.events;

import dev.layerkit.core.internal.Arguments;
import java.time.Duration;

/**
 * How often a subscription calls a failing handler for one event, and how long it waits between
 * calls, before it sends the event to the dead-letter topic {@code <topic>.DLT}.
 *
 * <p>Retries do not block other partitions, and they end: after {@link #maxAttempts()} calls the
 * event is dead-lettered with the headers in {@link DeadLetters} and its partition moves on. While
 * an event of a partition waits for its next attempt, later events of that partition wait too, so
 * that per-key order holds. Backoff is exponential: {@code initialBackoff * multiplier^(n-1)},
 * capped at {@code maxBackoff}, measured on the subscriber's {@code TimeSource}.
 *
 * <p>Immutable and thread-safe.
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
  public static final int DEFAULT_MAX_ATTEMPTS = 3;

  /** Default wait before the second call: 100 ms. */
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(100);

  /** Default cap on one wait: 10 s. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(10);

  /** Default growth of the wait per attempt: {@value}. */
  public static final double DEFAULT_MULTIPLIER = 2.0;

  private static final RetryPolicy DEFAULTS = builder().build();
  private static final RetryPolicy NONE = builder().maxAttempts(1).build();

  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final double multiplier;

  private RetryPolicy(Builder builder) {
    this.maxAttempts = builder.maxAttempts;
    this.initialBackoff = builder.initialBackoff;
    this.maxBackoff = builder.maxBackoff;
    this.multiplier = builder.multiplier;
  }

  /**
   * Returns the default policy: 3 attempts, 100 ms then 200 ms apart.
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
   * Returns a builder that starts from this policy.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder builder = new Builder();
    builder.maxAttempts = maxAttempts;
    builder.initialBackoff = initialBackoff;
    builder.maxBackoff = maxBackoff;
    builder.multiplier = multiplier;
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
   * Returns the wait after failed attempt {@code attempt}, before the next.
   *
   * @param attempt the number of the attempt that failed, from 1
   * @return the wait, at most {@code maxBackoff}
   * @throws IllegalArgumentException if {@code attempt} is less than 1
   */
  public Duration backoff(int attempt) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be >= 1 but was " + attempt);
    }
    double nanos = initialBackoff.toNanos() * Math.pow(multiplier, attempt - 1);
    long capped = nanos >= maxBackoff.toNanos() ? maxBackoff.toNanos() : (long) nanos;
    return Duration.ofNanos(capped);
  }

  @Override
  public String toString() {
    return "RetryPolicy{maxAttempts=" + maxAttempts + ", initialBackoff=" + initialBackoff
        + ", maxBackoff=" + maxBackoff + ", multiplier=" + multiplier + '}';
  }

  /** Builds a {@link RetryPolicy}. Not thread-safe. */
  public static final class Builder {

    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private double multiplier = DEFAULT_MULTIPLIER;

    private Builder() {}

    /**
     * Sets the number of handler calls per event, the first included.
     *
     * @param maxAttempts at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code maxAttempts} is less than 1
     */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be >= 1 but was " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * Sets the wait after the first failed attempt.
     *
     * @param initialBackoff zero or more
     * @return this builder
     * @throws NullPointerException if {@code initialBackoff} is null
     * @throws IllegalArgumentException if it is negative
     */
    public Builder initialBackoff(Duration initialBackoff) {
      this.initialBackoff = Arguments.notNegative(initialBackoff, "initialBackoff");
      return this;
    }

    /**
     * Sets the cap on one wait.
     *
     * @param maxBackoff zero or more
     * @return this builder
     * @throws NullPointerException if {@code maxBackoff} is null
     * @throws IllegalArgumentException if it is negative
     */
    public Builder maxBackoff(Duration maxBackoff) {
      this.maxBackoff = Arguments.notNegative(maxBackoff, "maxBackoff");
      return this;
    }

    /**
     * Sets how much the wait grows per attempt.
     *
     * @param multiplier at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code multiplier} is less than 1 or not a number
     */
    public Builder multiplier(double multiplier) {
      if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
        throw new IllegalArgumentException("multiplier must be >= 1 but was " + multiplier);
      }
      this.multiplier = multiplier;
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
