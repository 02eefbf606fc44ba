package dev.layerkit.service;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.internal.DaemonSchedulers;
import dev.layerkit.core.resilience.ResiliencePolicy;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancer;
import dev.layerkit.gateway.lb.LoadBalancers;
import dev.layerkit.gateway.lb.OutlierDetection;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link ServiceClient}. Give either an {@link #endpointSource(EndpointSource)} (the
 * client builds a peak-EWMA balancer with outlier ejection over it) or a
 * {@link #loadBalancer(LoadBalancer)} of any strategy; everything else has a default. Each setting
 * may be given once: a second call throws {@link IllegalStateException}. Not thread-safe.
 */
public final class ServiceClientBuilder {

  /** The overall deadline of a call unless set otherwise: 5 s. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(5);

  /** The timeout of one attempt unless set otherwise: 2 s. */
  public static final Duration DEFAULT_PER_TRY_TIMEOUT = Duration.ofSeconds(2);

  /** The connect timeout of the HTTP client the builder makes, unless set otherwise: 1 s. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);

  /** Attempts per call, the first included, of the default policy: {@value}. */
  public static final int DEFAULT_MAX_ATTEMPTS = 3;

  /** The upper bound of the first backoff of the default policy: 25 ms. */
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(25);

  private static final Object SCHEDULER_LOCK = new Object();
  private static @Nullable ScheduledExecutorService sharedScheduler;

  private final BuilderSettings settings = new BuilderSettings();
  final String serviceName;
  @Nullable EndpointSource endpointSource;
  @Nullable LoadBalancer loadBalancer;
  @Nullable HttpClient httpClient;
  Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
  Duration deadline = DEFAULT_DEADLINE;
  Duration perTryTimeout = DEFAULT_PER_TRY_TIMEOUT;
  @Nullable ResiliencePolicy resiliencePolicy;
  @Nullable RetryBudget retryBudget;
  double hedgePercentile;
  Duration hedgeMinDelay = Duration.ZERO;
  boolean hedging;
  TimeSource timeSource = TimeSource.system();
  @Nullable ScheduledExecutorService scheduler;
  @Nullable MeterRegistry meterRegistry;
  ObservationRegistry observationRegistry = ObservationRegistry.NOOP;

  ServiceClientBuilder(String serviceName) {
    this.serviceName = Arguments.notBlank(serviceName, "serviceName");
  }

  /**
   * Sets where the service's endpoints come from; the client builds a peak-EWMA balancer with
   * {@link OutlierDetection#ofDefaults()} over it and closes that balancer on
   * {@link ServiceClient#close()} (not the source, which the caller owns).
   *
   * @param source the endpoint source
   * @return this builder
   * @throws NullPointerException if {@code source} is null
   * @throws IllegalStateException if already set, or a {@link #loadBalancer(LoadBalancer)} is
   */
  public ServiceClientBuilder endpointSource(EndpointSource source) {
    Objects.requireNonNull(source, "source");
    settings.requireUnset("endpointSource", this.endpointSource);
    requireNot("loadBalancer", "endpointSource");
    this.endpointSource = source;
    return this;
  }

  /**
   * Sets the balancer to pick endpoints with, of any strategy, for example
   * {@code LoadBalancers.consistentHash()...build()} with {@link ServiceRequest.Builder#routingKey}.
   * The caller owns it: the client does not close it.
   *
   * @param loadBalancer the balancer
   * @return this builder
   * @throws NullPointerException if {@code loadBalancer} is null
   * @throws IllegalStateException if already set, or an {@link #endpointSource(EndpointSource)} is
   */
  public ServiceClientBuilder loadBalancer(LoadBalancer loadBalancer) {
    Objects.requireNonNull(loadBalancer, "loadBalancer");
    settings.requireUnset("loadBalancer", this.loadBalancer);
    requireNot("endpointSource", "loadBalancer");
    this.loadBalancer = loadBalancer;
    return this;
  }

  /**
   * Sets the JDK HTTP client to send with, for example one with TLS, a proxy or an executor of
   * your own. By default the client makes one with the {@link #connectTimeout(Duration)}.
   *
   * @param httpClient the HTTP client; the service client never closes it
   * @return this builder
   * @throws NullPointerException if {@code httpClient} is null
   * @throws IllegalStateException if already set, or a connect timeout is
   */
  public ServiceClientBuilder httpClient(HttpClient httpClient) {
    Objects.requireNonNull(httpClient, "httpClient");
    settings.requireUnset("httpClient", this.httpClient);
    requireNot("connectTimeout", "httpClient");
    this.httpClient = httpClient;
    return this;
  }

  /**
   * Sets the connect timeout of the HTTP client the builder makes; default 1 s.
   *
   * @param connectTimeout the timeout, at least 1 ms
   * @return this builder
   * @throws NullPointerException if {@code connectTimeout} is null
   * @throws IllegalArgumentException if {@code connectTimeout} is under 1 ms
   * @throws IllegalStateException if already set, or an {@link #httpClient(HttpClient)} is
   */
  public ServiceClientBuilder connectTimeout(Duration connectTimeout) {
    Arguments.atLeastOneMilli(connectTimeout, "connectTimeout");
    settings.requireUnset("connectTimeout", this.connectTimeout);
    requireNot("httpClient", "connectTimeout");
    this.connectTimeout = connectTimeout;
    return this;
  }

  /**
   * Sets the overall deadline of a call, every attempt, backoff and hedge included; a request may
   * set its own. Default 5 s.
   *
   * @param deadline the deadline, at least 1 ms
   * @return this builder
   * @throws NullPointerException if {@code deadline} is null
   * @throws IllegalArgumentException if {@code deadline} is under 1 ms
   * @throws IllegalStateException if already set
   */
  public ServiceClientBuilder deadline(Duration deadline) {
    Arguments.atLeastOneMilli(deadline, "deadline");
    settings.requireUnset("deadline", this.deadline);
    this.deadline = deadline;
    return this;
  }

  /**
   * Sets how long one attempt waits for the response headers before it counts as a timed-out
   * {@link TransportException} (and may be retried); the time left before the deadline caps it.
   * Default 2 s.
   *
   * @param perTryTimeout the timeout, at least 1 ms
   * @return this builder
   * @throws NullPointerException if {@code perTryTimeout} is null
   * @throws IllegalArgumentException if {@code perTryTimeout} is under 1 ms
   * @throws IllegalStateException if already set
   */
  public ServiceClientBuilder perTryTimeout(Duration perTryTimeout) {
    Arguments.atLeastOneMilli(perTryTimeout, "perTryTimeout");
    settings.requireUnset("perTryTimeout", this.perTryTimeout);
    this.perTryTimeout = perTryTimeout;
    return this;
  }

  /**
   * Sets the policy attempts run under: its retry (attempts, backoff with full jitter, retry-on
   * predicate), circuit breaker, bulkhead and timeout. The client hands the policy only transient
   * failures of retryable requests, and only while the deadline and the retry budget allow, so
   * the policy's predicates never see a 4xx or an invalid response; its breaker counts those as
   * successes (they say nothing about the service's health). Give the policy a
   * {@link ResiliencePolicy.Builder#scheduler(ScheduledExecutorService) scheduler} if its backoff
   * should not run on the shared one.
   *
   * <p>Default: retry with {@value #DEFAULT_MAX_ATTEMPTS} attempts and a first backoff of at most
   * 25 ms, no breaker.
   *
   * @param policy the policy
   * @return this builder
   * @throws NullPointerException if {@code policy} is null
   * @throws IllegalStateException if already set
   */
  public ServiceClientBuilder resiliencePolicy(ResiliencePolicy policy) {
    Objects.requireNonNull(policy, "policy");
    settings.requireUnset("resiliencePolicy", this.resiliencePolicy);
    this.resiliencePolicy = policy;
    return this;
  }

  /**
   * Sets the budget retries and hedges are taken from; default
   * {@link RetryBudget#ofDefaults()} on the client's {@link #timeSource(TimeSource)}. Several
   * clients of one service may share a budget.
   *
   * @param retryBudget the budget
   * @return this builder
   * @throws NullPointerException if {@code retryBudget} is null
   * @throws IllegalStateException if already set
   */
  public ServiceClientBuilder retryBudget(RetryBudget retryBudget) {
    Objects.requireNonNull(retryBudget, "retryBudget");
    settings.requireUnset("retryBudget", this.retryBudget);
    this.retryBudget = retryBudget;
    return this;
  }

  /**
   * Turns on hedging: a retryable call still unanswered after the {@code percentile}-th
   * percentile of recent successful latencies (but never before {@code minDelay}) sends one more
   * attempt, to another endpoint where there is one; the first good answer wins and the other is
   * cancelled. Each hedge is taken from the retry budget, so hedging stops under overload. Until
   * 100 calls have succeeded the delay is {@code minDelay}, or, if that is zero, no hedge is sent.
   *
   * @param percentile the latency percentile, for example 95; above 0 and below 100
   * @param minDelay the shortest hedge delay, zero or more
   * @return this builder
   * @throws NullPointerException if {@code minDelay} is null
   * @throws IllegalArgumentException if {@code percentile} is out of range or {@code minDelay}
   *     is negative
   * @throws IllegalStateException if already set
   */
  public ServiceClientBuilder hedging(double percentile, Duration minDelay) {
    if (!(percentile > 0 && percentile < 100)) {
      throw new IllegalArgumentException("percentile must be in (0, 100) but was " + percentile);
    }
    Arguments.notNegative(minDelay, "minDelay");
    settings.requireUnset("hedging", hedging ? percentile + "th percentile" : "off");
    this.hedging = true;
    this.hedgePercentile = percentile;
    this.hedgeMinDelay = minDelay;
    return this;
  }

  /**
   * Sets the time source of deadlines, latencies and the default retry budget; meant for tests
   * with a {@link ManualTimeSource}. Timers (the deadline, hedges, backoff) still run in real time
   * on the scheduler. Default {@link TimeSource#system()}.
   *
   * @param timeSource the time source
   * @return this builder
   * @throws NullPointerException if {@code timeSource} is null
   * @throws IllegalStateException if already set
   */
  public ServiceClientBuilder timeSource(TimeSource timeSource) {
    Objects.requireNonNull(timeSource, "timeSource");
    settings.requireUnset("timeSource", this.timeSource);
    this.timeSource = timeSource;
    return this;
  }

  /**
   * Sets the scheduler for deadlines, hedges and the default policy's backoff; by default one
   * daemon scheduler shared by all clients. The client never shuts it down.
   *
   * @param scheduler the scheduler
   * @return this builder
   * @throws NullPointerException if {@code scheduler} is null
   * @throws IllegalStateException if already set
   */
  public ServiceClientBuilder scheduler(ScheduledExecutorService scheduler) {
    Objects.requireNonNull(scheduler, "scheduler");
    settings.requireUnset("scheduler", this.scheduler);
    this.scheduler = scheduler;
    return this;
  }

  /**
   * Registers the client's meters, tagged {@code name=<service>}:
   * {@code layerkit.service.client.calls} (timer, tag {@code outcome}),
   * {@code layerkit.service.client.attempts} (counter, tag {@code kind}: first, retry, hedge) and
   * {@code layerkit.service.client.retries.denied} (counter, tag {@code reason}: budget); with an
   * {@link #endpointSource(EndpointSource)}, the balancer's {@code layerkit.lb.*} meters too. Off
   * by default; when on, each call updates one timer and one counter.
   *
   * @param meterRegistry the registry
   * @return this builder
   * @throws NullPointerException if {@code meterRegistry} is null
   * @throws IllegalStateException if already set
   */
  public ServiceClientBuilder meterRegistry(MeterRegistry meterRegistry) {
    Objects.requireNonNull(meterRegistry, "meterRegistry");
    settings.requireUnset("meterRegistry", this.meterRegistry);
    this.meterRegistry = meterRegistry;
    return this;
  }

  /**
   * Sets where the client reports its observations: {@code layerkit.service.call} per call (a
   * client span, child of the observation current on the calling thread, tags {@code service},
   * {@code method}, {@code outcome}); the tracer writes the call's W3C {@code traceparent} into
   * every attempt's request headers, so the called service continues the trace. {@link
   * ObservationRegistry#NOOP} by default: nothing is observed or propagated.
   *
   * @param observationRegistry the registry, with the tracer's handlers registered on it
   * @return this builder
   * @throws NullPointerException if {@code observationRegistry} is null
   * @throws IllegalStateException if already set
   */
  public ServiceClientBuilder observationRegistry(ObservationRegistry observationRegistry) {
    Objects.requireNonNull(observationRegistry, "observationRegistry");
    settings.requireUnset("observationRegistry", this.observationRegistry);
    this.observationRegistry = observationRegistry;
    return this;
  }

  /**
   * Builds the client.
   *
   * @return a new, thread-safe client
   * @throws IllegalStateException if neither an endpoint source nor a balancer was given, or the
   *     per-try timeout is longer than the deadline
   */
  public ServiceClient build() {
    if (endpointSource == null && loadBalancer == null) {
      throw new IllegalStateException("ServiceClient '" + serviceName
          + "' needs an endpointSource(...) or a loadBalancer(...)");
    }
    if (perTryTimeout.compareTo(deadline) > 0) {
      throw new IllegalStateException("perTryTimeout (" + perTryTimeout + ") must be <= deadline (" + deadline + ")");
    }
    return new HttpServiceClient(this);
  }

  LoadBalancer balancerFor(EndpointSource source) {
    var builder = LoadBalancers.peakEwma()
        .serviceName(serviceName)
        .endpointSource(source)
        .outlierDetection(OutlierDetection.ofDefaults())
        .timeSource(timeSource);
    if (meterRegistry != null) {
      builder.meterRegistry(meterRegistry);
    }
    return builder.build();
  }

  ScheduledExecutorService schedulerOrShared() {
    if (scheduler != null) {
      return scheduler;
    }
    synchronized (SCHEDULER_LOCK) {
      if (sharedScheduler == null) {
        sharedScheduler = DaemonSchedulers.create("layerkit-service-client", 1);
      }
      return sharedScheduler;
    }
  }

  private void requireNot(String other, String setting) {
    if (settings.isSet(other)) {
      throw new IllegalStateException(setting + " cannot be set: " + other + " was already set");
    }
  }

  @Override
  public String toString() {
    return "ServiceClientBuilder{" + serviceName + ", deadline=" + deadline + ", perTryTimeout=" + perTryTimeout
        + (hedging ? ", hedging at p" + hedgePercentile : "") + '}';
  }
}
