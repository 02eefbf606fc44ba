package dev.layerkit.core.health;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The result of one health check: a status, details for a human or a dashboard, and how long the
 * check took.
 *
 * <p>Immutable and thread-safe. Details keep insertion order; values should be JSON-friendly
 * (strings, numbers, booleans, nested maps or lists) because admin endpoints render them.
 *
 * <pre>{@code
 * return Health.up().detail("latencyMs", 2).build();
 * return Health.down(e).detail("host", "redis-1:6379").build();
 * }</pre>
 *
 * @param status the status
 * @param details additional facts, never null, unmodifiable
 * @param duration how long the check took; {@link Duration#ZERO} until a runner measures it
 */
public record Health(HealthStatus status, Map<String, Object> details, Duration duration) {

  /**
   * Creates a result.
   *
   * @param status the status
   * @param details the details, copied
   * @param duration how long the check took
   * @throws NullPointerException if an argument, a detail key or a detail value is null
   * @throws IllegalArgumentException if {@code duration} is negative
   */
  public Health {
    Objects.requireNonNull(status, "status");
    Arguments.notNegative(duration, "duration");
    details.forEach((k, v) -> {
      Objects.requireNonNull(k, "detail key");
      Objects.requireNonNull(v, () -> "value of detail " + k);
    });
    details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
  }

  /**
   * Starts an {@link HealthStatus#UP} result.
   *
   * @return a builder
   */
  public static Builder up() {
    return new Builder(HealthStatus.UP);
  }

  /**
   * Starts a {@link HealthStatus#DEGRADED} result with the reason as detail {@code "reason"}.
   *
   * @param reason why the component is degraded
   * @return a builder
   * @throws NullPointerException if {@code reason} is null
   */
  public static Builder degraded(String reason) {
    return new Builder(HealthStatus.DEGRADED).detail("reason", Objects.requireNonNull(reason, "reason"));
  }

  /**
   * Starts a {@link HealthStatus#DOWN} result with the reason as detail {@code "reason"}.
   *
   * @param reason why the component is down
   * @return a builder
   * @throws NullPointerException if {@code reason} is null
   */
  public static Builder down(String reason) {
    return new Builder(HealthStatus.DOWN).detail("reason", Objects.requireNonNull(reason, "reason"));
  }

  /**
   * Starts a {@link HealthStatus#DOWN} result from an error: detail {@code "error"} holds the
   * exception class and message (never a stack trace, which would leak internals to probes).
   *
   * @param error what went wrong
   * @return a builder
   * @throws NullPointerException if {@code error} is null
   */
  public static Builder down(Throwable error) {
    Objects.requireNonNull(error, "error");
    String message = error.getMessage();
    return new Builder(HealthStatus.DOWN)
        .detail("error", error.getClass().getName() + (message == null ? "" : ": " + message));
  }

  /**
   * Starts a result with the given status.
   *
   * @param status the status
   * @return a builder
   * @throws NullPointerException if {@code status} is null
   */
  public static Builder status(HealthStatus status) {
    return new Builder(Objects.requireNonNull(status, "status"));
  }

  /**
   * Returns a copy of this result with the measured duration.
   *
   * @param duration how long the check took
   * @return the copy
   */
  public Health withDuration(Duration duration) {
    return new Health(status, details, duration);
  }

  /** Builds a {@link Health}; not thread-safe. */
  public static final class Builder {
    private final HealthStatus status;
    private final Map<String, Object> details = new LinkedHashMap<>();
    private Duration duration = Duration.ZERO;
    private final BuilderSettings settings = new BuilderSettings();

    private Builder(HealthStatus status) {
      this.status = status;
    }

    /**
     * Adds a detail; a repeated key replaces the earlier value.
     *
     * @param key the detail's name
     * @param value its value
     * @return this builder
     * @throws NullPointerException if {@code key} or {@code value} is null
     */
    public Builder detail(String key, Object value) {
      details.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Sets how long the check took.
     *
     * @param duration the duration
     * @return this builder
     * @throws NullPointerException if {@code duration} is null
     * @throws IllegalArgumentException if {@code duration} is negative
     * @throws IllegalStateException if already set
     */
    public Builder duration(Duration duration) {
      Arguments.notNegative(duration, "duration");
      settings.requireUnset("duration", this.duration);
      this.duration = duration;
      return this;
    }

    /**
     * Builds the result.
     *
     * @return the result
     */
    public Health build() {
      return new Health(status, details, duration);
    }
  }

  /**
   * Returns a detail's value, or null if absent.
   *
   * @param key the detail's name
   * @return the value or null
   */
  public @Nullable Object detail(String key) {
    return details.get(key);
  }
}
