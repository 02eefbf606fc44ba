package dev.layerkit.gateway.lb;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import java.time.Duration;
import java.util.Objects;

/**
 * Passive health checking: when the requests a balancer sends to an endpoint keep failing, it
 * stops picking that endpoint for a while. Modelled on Envoy's outlier detection.
 *
 * <h2>Detection</h2>
 *
 * <p>An endpoint is ejected when either detector fires, fed by
 * {@link LoadBalancer#onComplete(Endpoint, long, boolean)}:
 *
 * <ul>
 *   <li><b>consecutive failures</b>: {@link #consecutiveFailures()} failures in a row (a success
 *       resets the count); on by default with {@value #DEFAULT_CONSECUTIVE_FAILURES};</li>
 *   <li><b>failure rate</b>: within a tumbling window of {@link #failureRateWindow()}, at least
 *       {@link #failureRateMinimumRequests()} requests of which at least
 *       {@link #failureRateThreshold()} percent failed; off unless a threshold is set.</li>
 * </ul>
 *
 * <h2>Ejection</h2>
 *
 * <p>The {@code n}-th ejection of an endpoint lasts {@code n * baseEjectionTime}, at most
 * {@link #maxEjectionTime()}, so an endpoint that keeps failing stays out longer each time. The
 * multiplier falls by one for every {@code baseEjectionTime} the endpoint then stays in without
 * being ejected, so an endpoint that recovered for good starts again from the base time. When the
 * time is up the endpoint returns (with slow start, if configured) and its failure counts start
 * from zero.
 *
 * <p>At most {@link #maxEjectionPercent()} percent of a service's endpoints are ejected at once,
 * but at least one may be whenever the percentage is above zero (as in Envoy), so a small service
 * can still eject its one bad endpoint. A detector that fires while the limit is reached ejects
 * nothing and starts counting afresh.
 *
 * <p>Immutable and thread-safe.
 *
 * <pre>{@code
 * OutlierDetection detection = OutlierDetection.builder()
 *     .consecutiveFailures(3)
 *     .failureRateThreshold(50).failureRateMinimumRequests(20).failureRateWindow(Duration.ofSeconds(10))
 *     .baseEjectionTime(Duration.ofSeconds(10))
 *     .maxEjectionPercent(30)
 *     .build();
 * }</pre>
 */
public final class OutlierDetection {

  /** Failures in a row that eject an endpoint unless set otherwise. */
  public static final int DEFAULT_CONSECUTIVE_FAILURES = 5;

  /** The tumbling window over which the failure rate is measured unless set otherwise. */
  public static final Duration DEFAULT_FAILURE_RATE_WINDOW = Duration.ofSeconds(10);

  /** Requests a window must hold before its failure rate counts, unless set otherwise. */
  public static final int DEFAULT_FAILURE_RATE_MINIMUM_REQUESTS = 20;

  /** The length of a first ejection unless set otherwise (Envoy's default). */
  public static final Duration DEFAULT_BASE_EJECTION_TIME = Duration.ofSeconds(30);

  /** The longest an ejection lasts unless set otherwise (Envoy's default). */
  public static final Duration DEFAULT_MAX_EJECTION_TIME = Duration.ofSeconds(300);

  /** The share of endpoints that may be ejected at once unless set otherwise (Envoy's default). */
  public static final int DEFAULT_MAX_EJECTION_PERCENT = 10;

  private static final OutlierDetection DEFAULTS = new Builder().build();

  private final int consecutiveFailures;
  private final double failureRateThreshold;
  private final Duration failureRateWindow;
  private final int failureRateMinimumRequests;
  private final Duration baseEjectionTime;
  private final Duration maxEjectionTime;
  private final int maxEjectionPercent;

  private OutlierDetection(Builder b) {
    this.consecutiveFailures = b.consecutiveFailures;
    this.failureRateThreshold = b.failureRateThreshold;
    this.failureRateWindow = b.failureRateWindow;
    this.failureRateMinimumRequests = b.failureRateMinimumRequests;
    this.baseEjectionTime = b.baseEjectionTime;
    this.maxEjectionTime = b.maxEjectionTime;
    this.maxEjectionPercent = b.maxEjectionPercent;
  }

  /**
   * Returns the defaults: eject after {@value #DEFAULT_CONSECUTIVE_FAILURES} consecutive
   * failures for 30 s times the ejection count (at most 300 s), at most
   * {@value #DEFAULT_MAX_EJECTION_PERCENT}% of endpoints at once; no failure-rate detection.
   *
   * @return the default configuration
   */
  public static OutlierDetection ofDefaults() {
    return DEFAULTS;
  }

  /**
   * Starts building a configuration from the defaults.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns a builder that starts from this configuration; each value may be set once more.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.consecutiveFailures = consecutiveFailures;
    b.failureRateThreshold = failureRateThreshold;
    b.failureRateWindow = failureRateWindow;
    b.failureRateMinimumRequests = failureRateMinimumRequests;
    b.baseEjectionTime = baseEjectionTime;
    b.maxEjectionTime = maxEjectionTime;
    b.maxEjectionPercent = maxEjectionPercent;
    return b;
  }

  /**
   * Returns the failures in a row that eject an endpoint.
   *
   * @return the count, or 0 if this detector is off
   */
  public int consecutiveFailures() {
    return consecutiveFailures;
  }

  /**
   * Returns the failure percentage that ejects an endpoint.
   *
   * @return the percentage in (0, 100], or 0 if this detector is off
   */
  public double failureRateThreshold() {
    return failureRateThreshold;
  }

  /**
   * Returns the tumbling window over which the failure rate is measured.
   *
   * @return the window
   */
  public Duration failureRateWindow() {
    return failureRateWindow;
  }

  /**
   * Returns how many requests a window must hold before its failure rate counts.
   *
   * @return the minimum, at least 1
   */
  public int failureRateMinimumRequests() {
    return failureRateMinimumRequests;
  }

  /**
   * Returns the length of a first ejection; later ones are multiples of it.
   *
   * @return the base ejection time
   */
  public Duration baseEjectionTime() {
    return baseEjectionTime;
  }

  /**
   * Returns the longest an ejection lasts.
   *
   * @return the cap, at least {@link #baseEjectionTime()}
   */
  public Duration maxEjectionTime() {
    return maxEjectionTime;
  }

  /**
   * Returns the largest share of a service's endpoints that may be ejected at once.
   *
   * @return the percentage, 0 to 100
   */
  public int maxEjectionPercent() {
    return maxEjectionPercent;
  }

  /**
   * Returns how many of {@code endpoints} endpoints may be ejected at once: the percentage rounded
   * down, but at least one when the percentage is above zero.
   *
   * @param endpoints the size of the endpoint set
   * @return the most that may be ejected
   */
  int maxEjected(int endpoints) {
    if (maxEjectionPercent == 0 || endpoints == 0) {
      return 0;
    }
    return Math.max(1, (int) ((long) endpoints * maxEjectionPercent / 100));
  }

  /**
   * Returns the length of the {@code n}-th ejection in a row.
   *
   * @param multiplier the ejection's multiplier, at least 1
   * @return the duration in nanoseconds
   */
  long ejectionNanos(int multiplier) {
    long base = baseEjectionTime.toNanos();
    long max = maxEjectionTime.toNanos();
    return multiplier > max / base ? max : Math.min(max, base * multiplier);
  }

  @Override
  public String toString() {
    return "OutlierDetection{consecutiveFailures=" + consecutiveFailures
        + ", failureRateThreshold=" + failureRateThreshold
        + ", failureRateWindow=" + failureRateWindow
        + ", failureRateMinimumRequests=" + failureRateMinimumRequests
        + ", baseEjectionTime=" + baseEjectionTime
        + ", maxEjectionTime=" + maxEjectionTime
        + ", maxEjectionPercent=" + maxEjectionPercent + '}';
  }

  /**
   * Builds an {@link OutlierDetection}. Each value may be set once; not thread-safe.
   */
  public static final class Builder {

    private int consecutiveFailures = DEFAULT_CONSECUTIVE_FAILURES;
    private double failureRateThreshold;
    private Duration failureRateWindow = DEFAULT_FAILURE_RATE_WINDOW;
    private int failureRateMinimumRequests = DEFAULT_FAILURE_RATE_MINIMUM_REQUESTS;
    private Duration baseEjectionTime = DEFAULT_BASE_EJECTION_TIME;
    private Duration maxEjectionTime = DEFAULT_MAX_EJECTION_TIME;
    private int maxEjectionPercent = DEFAULT_MAX_EJECTION_PERCENT;
    private final BuilderSettings settings = new BuilderSettings();

    private Builder() {}

    /**
     * Sets how many failures in a row eject an endpoint; 0 turns this detector off. Default
     * {@value OutlierDetection#DEFAULT_CONSECUTIVE_FAILURES}.
     *
     * @param consecutiveFailures the count, or 0
     * @return this builder
     * @throws IllegalArgumentException if {@code consecutiveFailures} is negative
     * @throws IllegalStateException if already set on this builder
     */
    public Builder consecutiveFailures(int consecutiveFailures) {
      Arguments.notNegative(consecutiveFailures, "consecutiveFailures");
      settings.requireUnset("consecutiveFailures", this.consecutiveFailures);
      this.consecutiveFailures = consecutiveFailures;
      return this;
    }

    /**
     * Turns on failure-rate detection: an endpoint whose failures reach this percentage of its
     * requests within a window (of at least the minimum requests) is ejected.
     *
     * @param percent the threshold, above 0 and at most 100
     * @return this builder
     * @throws IllegalArgumentException if {@code percent} is not in (0, 100]
     * @throws IllegalStateException if already set on this builder
     */
    public Builder failureRateThreshold(double percent) {
      if (!(percent > 0 && percent <= 100)) {
        throw new IllegalArgumentException("failureRateThreshold must be in (0, 100] but was " + percent);
      }
      settings.requireUnset("failureRateThreshold", this.failureRateThreshold);
      this.failureRateThreshold = percent;
      return this;
    }

    /**
     * Sets the tumbling window over which the failure rate is measured. Default 10 s.
     *
     * @param window the window, at least 1 ms
     * @return this builder
     * @throws NullPointerException if {@code window} is null
     * @throws IllegalArgumentException if {@code window} is shorter than 1 ms
     * @throws IllegalStateException if already set on this builder
     */
    public Builder failureRateWindow(Duration window) {
      Arguments.atLeastOneMilli(window, "failureRateWindow");
      settings.requireUnset("failureRateWindow", this.failureRateWindow);
      this.failureRateWindow = window;
      return this;
    }

    /**
     * Sets how many requests a window must hold before its failure rate counts, so that one
     * failure out of two requests does not eject. Default
     * {@value OutlierDetection#DEFAULT_FAILURE_RATE_MINIMUM_REQUESTS}.
     *
     * @param minimumRequests the minimum, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code minimumRequests} is less than 1
     * @throws IllegalStateException if already set on this builder
     */
    public Builder failureRateMinimumRequests(int minimumRequests) {
      if (minimumRequests < 1) {
        throw new IllegalArgumentException("failureRateMinimumRequests must be >= 1 but was " + minimumRequests);
      }
      settings.requireUnset("failureRateMinimumRequests", this.failureRateMinimumRequests);
      this.failureRateMinimumRequests = minimumRequests;
      return this;
    }

    /**
     * Sets the length of a first ejection; the {@code n}-th in a row lasts {@code n} times as
     * long. Default 30 s.
     *
     * @param baseEjectionTime the base time, at least 1 ms
     * @return this builder
     * @throws NullPointerException if {@code baseEjectionTime} is null
     * @throws IllegalArgumentException if {@code baseEjectionTime} is shorter than 1 ms
     * @throws IllegalStateException if already set on this builder
     */
    public Builder baseEjectionTime(Duration baseEjectionTime) {
      Arguments.atLeastOneMilli(baseEjectionTime, "baseEjectionTime");
      settings.requireUnset("baseEjectionTime", this.baseEjectionTime);
      this.baseEjectionTime = baseEjectionTime;
      return this;
    }

    /**
     * Sets the longest an ejection lasts. Default 300 s.
     *
     * @param maxEjectionTime the cap, at least 1 ms and not below the base ejection time (checked
     *     by {@link #build()})
     * @return this builder
     * @throws NullPointerException if {@code maxEjectionTime} is null
     * @throws IllegalArgumentException if {@code maxEjectionTime} is shorter than 1 ms
     * @throws IllegalStateException if already set on this builder
     */
    public Builder maxEjectionTime(Duration maxEjectionTime) {
      Arguments.atLeastOneMilli(maxEjectionTime, "maxEjectionTime");
      settings.requireUnset("maxEjectionTime", this.maxEjectionTime);
      this.maxEjectionTime = maxEjectionTime;
      return this;
    }

    /**
     * Sets the largest share of endpoints that may be ejected at once; 0 ejects none. Default
     * {@value OutlierDetection#DEFAULT_MAX_EJECTION_PERCENT}.
     *
     * @param percent the percentage, 0 to 100
     * @return this builder
     * @throws IllegalArgumentException if {@code percent} is not in [0, 100]
     * @throws IllegalStateException if already set on this builder
     */
    public Builder maxEjectionPercent(int percent) {
      if (percent < 0 || percent > 100) {
        throw new IllegalArgumentException("maxEjectionPercent must be in [0, 100] but was " + percent);
      }
      settings.requireUnset("maxEjectionPercent", this.maxEjectionPercent);
      this.maxEjectionPercent = percent;
      return this;
    }

    /**
     * Builds the configuration.
     *
     * @return the configuration
     * @throws IllegalStateException if both detectors are off, or the maximum ejection time is
     *     shorter than the base ejection time
     */
    public OutlierDetection build() {
      if (consecutiveFailures == 0 && failureRateThreshold == 0) {
        throw new IllegalStateException(
            "both detectors are off: set consecutiveFailures > 0 or a failureRateThreshold");
      }
      if (maxEjectionTime.compareTo(baseEjectionTime) < 0) {
        throw new IllegalStateException("maxEjectionTime must be >= baseEjectionTime " + baseEjectionTime
            + " but was " + maxEjectionTime);
      }
      return new OutlierDetection(this);
    }
  }
}
