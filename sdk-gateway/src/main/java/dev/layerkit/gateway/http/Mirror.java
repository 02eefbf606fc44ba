package dev.layerkit.gateway.http;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends a copy of a share of a route's requests to a shadow upstream (a new version under real
 * traffic, a replay sink) and drops its answers. The client never waits for the shadow and never
 * sees it: the copy goes on a connection of its own, its response is read and discarded, and a
 * shadow that fails, answers 5xx or hangs changes nothing of the client's status, body or latency.
 *
 * <ul>
 *   <li>Which requests: every request the route forwards, sampled evenly at {@link
 *       Builder#percent} (a Weyl sequence over the route's requests, as {@link TrafficSplit}
 *       does). Requests with a body are not mirrored: the gateway streams bodies and keeps no copy
 *       to send twice.
 *   <li>Bounds: a copy is abandoned (its connection closed) after {@link Builder#timeout}; at most
 *       {@link Builder#maxInFlight} copies are open at once, further ones are skipped, so a hanging
 *       shadow costs the gateway a bounded number of connections.
 *   <li>The copy carries the request's method, target (rewritten as for the upstream) and headers,
 *       minus hop-by-hop headers, plus {@code X-Request-Id} and {@code X-Mirrored: true}.
 * </ul>
 *
 * <p>Immutable configuration and thread-safe.
 *
 * <pre>{@code
 * Route.builder("orders").pathPrefix("/orders").upstream(stable)
 *     .mirror(Mirror.builder(shadow).percent(10).build())
 *     .build();
 * }</pre>
 */
public final class Mirror {

  /** The time a copy may take before it is abandoned, by default. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  /** The copies that may be open at once, by default. */
  public static final int DEFAULT_MAX_IN_FLIGHT = 256;

  /** The header a copy carries, so the shadow can tell mirrored traffic. */
  public static final String MIRRORED_HEADER = "X-Mirrored";

  private static final long SCALE = 1_000_000;

  private final Upstream upstream;
  private final double percent;
  private final long threshold;
  private final Duration timeout;
  private final int maxInFlight;
  private final EvenSequence sequence = new EvenSequence();
  private final AtomicInteger inFlight = new AtomicInteger();

  private Mirror(Builder builder) {
    this.upstream = builder.upstream;
    this.percent = builder.percent;
    this.threshold = Math.round(percent / 100.0 * SCALE);
    this.timeout = builder.timeout;
    this.maxInFlight = builder.maxInFlight;
  }

  /**
   * Starts a mirror to a shadow upstream: all requests, {@link #DEFAULT_TIMEOUT}, {@link
   * #DEFAULT_MAX_IN_FLIGHT}.
   *
   * @param shadow the upstream that gets the copies
   * @return a new builder
   * @throws NullPointerException if {@code shadow} is null
   */
  public static Builder builder(Upstream shadow) {
    return new Builder(Objects.requireNonNull(shadow, "shadow"));
  }

  /**
   * Returns the shadow upstream.
   *
   * @return the upstream
   */
  public Upstream upstream() {
    return upstream;
  }

  /**
   * Returns the share of requests copied.
   *
   * @return 0 to 100
   */
  public double percent() {
    return percent;
  }

  /**
   * Returns how long a copy may take.
   *
   * @return the timeout
   */
  public Duration timeout() {
    return timeout;
  }

  /** Whether this request is in the sampled share. */
  boolean sample() {
    return sequence.next(SCALE) < threshold;
  }

  /** Takes a slot for a copy; false when {@link Builder#maxInFlight} are open. */
  boolean tryStart() {
    while (true) {
      int now = inFlight.get();
      if (now >= maxInFlight) {
        return false;
      }
      if (inFlight.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  void ended() {
    inFlight.decrementAndGet();
  }

  /** The copies open now. */
  int inFlight() {
    return inFlight.get();
  }

  @Override
  public String toString() {
    return "Mirror[" + upstream.name() + " " + percent + "%, timeout=" + timeout + "]";
  }

  /** Builds a {@link Mirror}. Not thread-safe; a setting given twice throws. */
  public static final class Builder {

    private final BuilderSettings settings = new BuilderSettings();
    private final Upstream upstream;
    private double percent = 100;
    private Duration timeout = DEFAULT_TIMEOUT;
    private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;

    private Builder(Upstream upstream) {
      this.upstream = upstream;
    }

    /**
     * Sets the share of the route's requests that are copied (100 by default).
     *
     * @param percent 0 to 100
     * @return this builder
     * @throws IllegalArgumentException if {@code percent} is out of range
     * @throws IllegalStateException if already set
     */
    public Builder percent(double percent) {
      if (!(percent >= 0 && percent <= 100)) {
        throw new IllegalArgumentException("percent must be 0 to 100 but was " + percent);
      }
      settings.requireUnset("percent", this.percent);
      this.percent = percent;
      return this;
    }

    /**
     * Sets how long a copy may take, connect to end of response, before it is abandoned.
     *
     * @param timeout at least one millisecond
     * @return this builder
     * @throws IllegalArgumentException if {@code timeout} is shorter than a millisecond
     * @throws IllegalStateException if already set
     */
    public Builder timeout(Duration timeout) {
      Duration checked = Arguments.atLeastOneMilli(timeout, "timeout");
      settings.requireUnset("timeout", this.timeout);
      this.timeout = checked;
      return this;
    }

    /**
     * Sets how many copies may be open at once; more are skipped.
     *
     * @param max at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code max} is less than 1
     * @throws IllegalStateException if already set
     */
    public Builder maxInFlight(int max) {
      int checked = Arguments.positive(max, "maxInFlight");
      settings.requireUnset("maxInFlight", maxInFlight);
      this.maxInFlight = checked;
      return this;
    }

    /**
     * Builds the mirror.
     *
     * @return the mirror, thread-safe
     */
    public Mirror build() {
      return new Mirror(this);
    }
  }
}
