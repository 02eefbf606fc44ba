package dev.layerkit.gateway.lb;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Active health checking: the balancer probes every endpoint on a schedule and stops picking those
 * that fail, independently of the traffic it sends them.
 *
 * <p>Two probes: {@link #tcp()} opens a TCP connection and closes it; {@link #http(String)} sends
 * {@code GET http://host:port/path} and expects a 2xx status (redirects are not followed). Each
 * probe gives up after {@link #timeout()}. An endpoint is marked unhealthy after
 * {@link #unhealthyThreshold()} failed probes in a row and healthy again after
 * {@link #healthyThreshold()} passed probes in a row; endpoints start healthy, so a new balancer
 * serves at once. An endpoint that becomes healthy again ramps up with slow start if the balancer
 * has it.
 *
 * <p>Probes run every {@link #interval()} on the balancer's scheduler
 * ({@link LoadBalancerBuilder#scheduler(java.util.concurrent.ScheduledExecutorService)}), one task
 * per endpoint, so at most as many probes run at once as the scheduler has threads, and a probe
 * still running when the next round starts is not started twice.
 *
 * <p>Immutable and thread-safe.
 *
 * <pre>{@code
 * ActiveHealthCheck check = ActiveHealthCheck.http("/health/ready")
 *     .interval(Duration.ofSeconds(5))
 *     .timeout(Duration.ofSeconds(1))
 *     .build();
 * }</pre>
 */
public final class ActiveHealthCheck {

  /** How often endpoints are probed unless set otherwise. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);

  /** How long a probe may take unless set otherwise (Kubernetes' default). */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);

  /** Failed probes in a row that mark an endpoint unhealthy unless set otherwise. */
  public static final int DEFAULT_UNHEALTHY_THRESHOLD = 3;

  /** Passed probes in a row that mark an endpoint healthy again unless set otherwise. */
  public static final int DEFAULT_HEALTHY_THRESHOLD = 2;

  private final @Nullable String path;
  private final Duration interval;
  private final Duration timeout;
  private final int unhealthyThreshold;
  private final int healthyThreshold;

  private ActiveHealthCheck(Builder b) {
    this.path = b.path;
    this.interval = b.interval;
    this.timeout = b.timeout;
    this.unhealthyThreshold = b.unhealthyThreshold;
    this.healthyThreshold = b.healthyThreshold;
  }

  /**
   * Starts building a TCP-connect check.
   *
   * @return a builder
   */
  public static Builder tcp() {
    return new Builder(null);
  }

  /**
   * Starts building an HTTP check that sends {@code GET path} and expects a 2xx status.
   *
   * @param path the request path, starting with {@code /}, for example {@code "/health"}
   * @return a builder
   * @throws NullPointerException if {@code path} is null
   * @throws IllegalArgumentException if {@code path} does not start with {@code /} or contains
   *     whitespace
   */
  public static Builder http(String path) {
    Objects.requireNonNull(path, "path");
    if (!path.startsWith("/") || path.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("path must start with '/' and contain no whitespace but was '" + path + "'");
    }
    return new Builder(path);
  }

  /**
   * Returns a builder that starts from this configuration; each value may be set once more.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b = new Builder(path);
    b.interval = interval;
    b.timeout = timeout;
    b.unhealthyThreshold = unhealthyThreshold;
    b.healthyThreshold = healthyThreshold;
    return b;
  }

  /**
   * Returns the HTTP path probed, or null for a TCP check.
   *
   * @return the path or null
   */
  public @Nullable String path() {
    return path;
  }

  /**
   * Returns how often each endpoint is probed.
   *
   * @return the interval
   */
  public Duration interval() {
    return interval;
  }

  /**
   * Returns how long one probe may take before it counts as failed.
   *
   * @return the timeout
   */
  public Duration timeout() {
    return timeout;
  }

  /**
   * Returns how many failed probes in a row mark an endpoint unhealthy.
   *
   * @return the threshold, at least 1
   */
  public int unhealthyThreshold() {
    return unhealthyThreshold;
  }

  /**
   * Returns how many passed probes in a row mark an unhealthy endpoint healthy again.
   *
   * @return the threshold, at least 1
   */
  public int healthyThreshold() {
    return healthyThreshold;
  }

  @Override
  public String toString() {
    return "ActiveHealthCheck{" + (path == null ? "tcp" : "http " + path)
        + ", interval=" + interval + ", timeout=" + timeout
        + ", unhealthyThreshold=" + unhealthyThreshold + ", healthyThreshold=" + healthyThreshold + '}';
  }

  /**
   * Builds an {@link ActiveHealthCheck}. Each value may be set once; not thread-safe.
   */
  public static final class Builder {

    private final @Nullable String path;
    private Duration interval = DEFAULT_INTERVAL;
    private Duration timeout = DEFAULT_TIMEOUT;
    private int unhealthyThreshold = DEFAULT_UNHEALTHY_THRESHOLD;
    private int healthyThreshold = DEFAULT_HEALTHY_THRESHOLD;
    private final BuilderSettings settings = new BuilderSettings();

    private Builder(@Nullable String path) {
      this.path = path;
    }

    /**
     * Sets how often each endpoint is probed. Default 5 s.
     *
     * @param interval the interval, at least 1 ms
     * @return this builder
     * @throws NullPointerException if {@code interval} is null
     * @throws IllegalArgumentException if {@code interval} is shorter than 1 ms
     * @throws IllegalStateException if already set on this builder
     */
    public Builder interval(Duration interval) {
      Arguments.atLeastOneMilli(interval, "interval");
      settings.requireUnset("interval", this.interval);
      this.interval = interval;
      return this;
    }

    /**
     * Sets how long a probe may take. Default 1 s.
     *
     * @param timeout the timeout, at least 1 ms
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is shorter than 1 ms
     * @throws IllegalStateException if already set on this builder
     */
    public Builder timeout(Duration timeout) {
      Arguments.atLeastOneMilli(timeout, "timeout");
      settings.requireUnset("timeout", this.timeout);
      this.timeout = timeout;
      return this;
    }

    /**
     * Sets how many failed probes in a row mark an endpoint unhealthy. Default
     * {@value ActiveHealthCheck#DEFAULT_UNHEALTHY_THRESHOLD}.
     *
     * @param threshold the count, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code threshold} is less than 1
     * @throws IllegalStateException if already set on this builder
     */
    public Builder unhealthyThreshold(int threshold) {
      if (threshold < 1) {
        throw new IllegalArgumentException("unhealthyThreshold must be >= 1 but was " + threshold);
      }
      settings.requireUnset("unhealthyThreshold", this.unhealthyThreshold);
      this.unhealthyThreshold = threshold;
      return this;
    }

    /**
     * Sets how many passed probes in a row mark an unhealthy endpoint healthy again. Default
     * {@value ActiveHealthCheck#DEFAULT_HEALTHY_THRESHOLD}.
     *
     * @param threshold the count, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code threshold} is less than 1
     * @throws IllegalStateException if already set on this builder
     */
    public Builder healthyThreshold(int threshold) {
      if (threshold < 1) {
        throw new IllegalArgumentException("healthyThreshold must be >= 1 but was " + threshold);
      }
      settings.requireUnset("healthyThreshold", this.healthyThreshold);
      this.healthyThreshold = threshold;
      return this;
    }

    /**
     * Builds the configuration.
     *
     * @return the configuration
     */
    public ActiveHealthCheck build() {
      return new ActiveHealthCheck(this);
    }
  }
}
