package dev.layerkit.gateway.http;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.resilience.ResiliencePolicy;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.LoadBalancer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A service the {@link Gateway} forwards to: a {@link LoadBalancer} over its endpoints (which
 * brings the {@link dev.layerkit.gateway.lb.EndpointSource}, outlier ejection and health checks), a
 * circuit breaker per endpoint and a retry budget.
 *
 * <p>The gateway keeps idle keep-alive connections to each endpoint, per event-loop thread, up to
 * {@link Builder#maxIdleConnectionsPerEndpoint}; a request reuses one when it can, so that a steady
 * load opens no new connections.
 *
 * <p>Requests go out as HTTP/1.1 by default. An {@linkplain Builder#protocol HTTP/2} upstream
 * gets one multiplexed connection per endpoint and event-loop thread (with prior knowledge, or
 * over TLS with ALPN when {@linkplain Builder#tls TLS} is on), each request a stream of it; a
 * second connection opens when the endpoint's {@code SETTINGS_MAX_CONCURRENT_STREAMS} is reached,
 * and a connection that received {@code GOAWAY} takes no new streams. gRPC needs an HTTP/2
 * upstream.
 *
 * <p>The gateway reports every forwarded request to the balancer ({@code onComplete} with its
 * latency and whether the endpoint answered below 500, or {@code onCancel}), and to the endpoint's
 * circuit breaker. Several routes may share one upstream. Thread-safe.
 */
public final class Upstream {

  /** Default share of in-flight requests that may be retries. */
  public static final double DEFAULT_RETRY_BUDGET_PERCENT = 20.0;

  /** Default number of concurrent retries allowed whatever the load. */
  public static final int DEFAULT_MIN_CONCURRENT_RETRIES = 3;

  /** Default idle connections kept per endpoint and event-loop thread. */
  public static final int DEFAULT_MAX_IDLE_CONNECTIONS = 64;

  /** How the gateway talks to an upstream's endpoints. */
  public enum Protocol {
    /** HTTP/1.1, one request at a time per connection, idle connections kept for reuse. */
    HTTP_1_1,
    /**
     * HTTP/2: without TLS with prior knowledge ({@code h2c}), with TLS negotiated by ALPN
     * ({@code h2}); many requests share a connection. Needed for gRPC and HTTP trailers.
     */
    HTTP_2
  }

  private final String name;
  private final Protocol protocol;
  private final @Nullable UpstreamTls tls;
  private final LoadBalancer loadBalancer;
  private final @Nullable Function<Endpoint, ResiliencePolicy> circuitBreakers;
  private final ConcurrentMap<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
  private final double retryBudgetPercent;
  private final int minConcurrentRetries;
  private final int maxIdleConnections;
  private final Duration idleConnectionTimeout;
  private final AtomicInteger active = new AtomicInteger();
  private final AtomicInteger activeRetries = new AtomicInteger();

  private Upstream(Builder builder) {
    this.name = builder.name;
    this.protocol = builder.protocol;
    this.tls = builder.tls;
    this.loadBalancer = builder.loadBalancer;
    this.circuitBreakers = builder.circuitBreakers;
    this.retryBudgetPercent = builder.retryBudgetPercent;
    this.minConcurrentRetries = builder.minConcurrentRetries;
    this.maxIdleConnections = builder.maxIdleConnections;
    this.idleConnectionTimeout = builder.idleConnectionTimeout;
  }

  /**
   * Returns an upstream with the default circuit breaker and retry budget.
   *
   * @param name the upstream's name, for metrics and errors
   * @param loadBalancer the balancer over its endpoints
   * @return the upstream
   */
  public static Upstream of(String name, LoadBalancer loadBalancer) {
    return builder(name, loadBalancer).build();
  }

  /**
   * Starts an upstream.
   *
   * @param name the upstream's name, for metrics and errors
   * @param loadBalancer the balancer over its endpoints
   * @return the builder
   */
  public static Builder builder(String name, LoadBalancer loadBalancer) {
    return new Builder(name, loadBalancer);
  }

  /**
   * Returns the upstream's name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Returns the protocol spoken to the endpoints.
   *
   * @return the protocol, {@link Protocol#HTTP_1_1} unless set
   */
  public Protocol protocol() {
    return protocol;
  }

  /**
   * Returns the TLS settings towards the endpoints.
   *
   * @return the settings, or null for plaintext
   */
  public @Nullable UpstreamTls tls() {
    return tls;
  }

  /**
   * Returns the balancer over the upstream's endpoints.
   *
   * @return the balancer
   */
  public LoadBalancer loadBalancer() {
    return loadBalancer;
  }

  /**
   * Returns the circuit breaker of an endpoint, creating it on first use.
   *
   * @param endpoint the endpoint
   * @return the breaker, or {@code null} if the upstream has none
   */
  public @Nullable CircuitBreaker circuitBreaker(Endpoint endpoint) {
    Function<Endpoint, ResiliencePolicy> factory = circuitBreakers;
    if (factory == null) {
      return null;
    }
    CircuitBreaker breaker = breakers.get(endpoint.id());
    if (breaker != null) {
      return breaker;
    }
    return breakers.computeIfAbsent(endpoint.id(), id -> factory.apply(endpoint).circuitBreaker()
        .orElseThrow(() -> new IllegalStateException(
            "the circuit-breaker policy for " + endpoint + " of upstream '" + name
                + "' has no circuit breaker; enable it with withCircuitBreaker()")));
  }

  int maxIdleConnections() {
    return maxIdleConnections;
  }

  Duration idleConnectionTimeout() {
    return idleConnectionTimeout;
  }

  void requestStarted() {
    active.incrementAndGet();
  }

  void requestEnded() {
    active.decrementAndGet();
  }

  /** Takes a retry from the budget; the caller must {@link #retryEnded()} if this returns true. */
  boolean tryStartRetry() {
    int limit = Math.max(minConcurrentRetries, (int) (active.get() * retryBudgetPercent / 100.0));
    while (true) {
      int current = activeRetries.get();
      if (current >= limit) {
        return false;
      }
      if (activeRetries.compareAndSet(current, current + 1)) {
        return true;
      }
    }
  }

  void retryEnded() {
    activeRetries.decrementAndGet();
  }

  @Override
  public String toString() {
    return "Upstream[" + name + ", " + loadBalancer.endpoints().size() + " endpoints"
        + (protocol == Protocol.HTTP_2 ? ", HTTP/2" : "") + (tls != null ? ", TLS" : "") + ']';
  }

  /**
   * Builds an {@link Upstream}. Not thread-safe. A setting given twice throws {@link
   * IllegalStateException}; {@link #circuitBreaker} and {@link #noCircuitBreaker} are one setting.
   */
  public static final class Builder {

    private final BuilderSettings settings = new BuilderSettings();

    private final String name;
    private final LoadBalancer loadBalancer;
    private Protocol protocol = Protocol.HTTP_1_1;
    private @Nullable UpstreamTls tls;
    private @Nullable Function<Endpoint, ResiliencePolicy> circuitBreakers;
    private double retryBudgetPercent = DEFAULT_RETRY_BUDGET_PERCENT;
    private int minConcurrentRetries = DEFAULT_MIN_CONCURRENT_RETRIES;
    private int maxIdleConnections = DEFAULT_MAX_IDLE_CONNECTIONS;
    private Duration idleConnectionTimeout = Duration.ofSeconds(60);

    private Builder(String name, LoadBalancer loadBalancer) {
      Objects.requireNonNull(name, "name");
      Arguments.notBlank(name, "upstream name");
      this.name = name;
      this.loadBalancer = Objects.requireNonNull(loadBalancer, "loadBalancer");
      this.circuitBreakers = endpoint -> ResiliencePolicy.builder(name + "@" + endpoint.id())
          .failureRateThreshold(50)
          .slidingWindowSize(20)
          .minimumNumberOfCalls(10)
          .waitDurationInOpenState(Duration.ofSeconds(10))
          .permittedNumberOfCallsInHalfOpenState(3)
          .build();
    }

    /**
     * Sets the protocol spoken to the endpoints.
     *
     * @param protocol {@link Protocol#HTTP_1_1} (the default) or {@link Protocol#HTTP_2}
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder protocol(Protocol protocol) {
      Objects.requireNonNull(protocol, "protocol");
      settings.requireUnset("protocol", this.protocol);
      this.protocol = protocol;
      return this;
    }

    /**
     * Connects to the endpoints over TLS.
     *
     * @param tls the trust store, client certificate and host-name verification to use; {@link
     *     UpstreamTls#system()} for the JDK's defaults
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder tls(UpstreamTls tls) {
      Objects.requireNonNull(tls, "tls");
      settings.requireUnset("tls", this.tls);
      this.tls = tls;
      return this;
    }

    /**
     * Sets how each endpoint's circuit breaker is made: the function returns a policy with a
     * circuit breaker (other components of the policy are not used). By default an endpoint opens
     * at 50% failures of its last 20 requests (at least 10) and half-opens after 10 s.
     *
     * @param factory makes the policy of one endpoint; give each a distinct name
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder circuitBreaker(Function<Endpoint, ResiliencePolicy> factory) {
      settings.requireUnset("circuitBreaker", describeBreakers());
      this.circuitBreakers = Objects.requireNonNull(factory, "factory");
      return this;
    }

    /**
     * Turns the circuit breakers off (outlier ejection in the balancer still applies).
     *
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder noCircuitBreaker() {
      settings.requireUnset("circuitBreaker", describeBreakers());
      this.circuitBreakers = null;
      return this;
    }

    /**
     * Sets the retry budget: retries in flight may be at most {@code percent} of the requests in
     * flight to this upstream, or {@code minConcurrent}, whichever is larger. The budget keeps
     * retries from multiplying the load on an upstream that is already failing.
     *
     * @param percent 0 to 100
     * @param minConcurrent at least 0
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder retryBudget(double percent, int minConcurrent) {
      settings.requireUnset("retryBudget", retryBudgetPercent + "% or " + minConcurrentRetries);
      if (!(percent >= 0 && percent <= 100)) {
        throw new IllegalArgumentException("retry budget percent must be 0 to 100 but was " + percent);
      }
      Arguments.notNegative(minConcurrent, "retry budget minConcurrent");
      this.retryBudgetPercent = percent;
      this.minConcurrentRetries = minConcurrent;
      return this;
    }

    /**
     * Sets how many idle keep-alive connections are kept per endpoint and event-loop thread. An
     * {@link Protocol#HTTP_2} upstream keeps no idle connections beside its shared ones, so this
     * does not apply to it.
     *
     * @param max 0 (no reuse) to 10,000
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder maxIdleConnectionsPerEndpoint(int max) {
      settings.requireUnset("maxIdleConnectionsPerEndpoint", maxIdleConnections);
      if (max < 0 || max > 10_000) {
        throw new IllegalArgumentException(
            "maxIdleConnectionsPerEndpoint must be 0 to 10000 but was " + max);
      }
      this.maxIdleConnections = max;
      return this;
    }

    /**
     * Sets how long an idle pooled connection is kept before the gateway closes it; for an {@link
     * Protocol#HTTP_2} upstream, how long a connection without streams is kept.
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder idleConnectionTimeout(Duration timeout) {
      settings.requireUnset("idleConnectionTimeout", idleConnectionTimeout);
      Objects.requireNonNull(timeout, "timeout");
      this.idleConnectionTimeout = Arguments.positive(timeout, "idleConnectionTimeout");
      return this;
    }

    private String describeBreakers() {
      return circuitBreakers == null ? "none" : "a circuit breaker factory";
    }

    /**
     * Builds the upstream.
     *
     * @return the upstream
     */
    public Upstream build() {
      return new Upstream(this);
    }
  }
}
