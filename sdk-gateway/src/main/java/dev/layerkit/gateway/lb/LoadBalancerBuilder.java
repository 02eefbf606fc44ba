package dev.layerkit.gateway.lb;

import dev.layerkit.core.hash.MaglevHash;
import dev.layerkit.core.hash.NodeSetBuilder;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.gateway.lb.internal.SharedScheduler;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Configures and builds a {@link LoadBalancer}; obtained from a strategy factory of
 * {@link LoadBalancers}. Only the endpoint source is required.
 *
 * <p>Each setting may be given once: a repeated or conflicting one is an
 * {@link IllegalStateException}, an invalid value an {@link IllegalArgumentException} naming it.
 * Health features are off unless configured, except the panic threshold. Not thread-safe;
 * {@link #build()} may be called more than once, each balancer independent (sharing the source).
 *
 * <pre>{@code
 * LoadBalancer lb = LoadBalancers.leastRequest()
 *     .serviceName("orders")
 *     .endpointSource(EndpointSource.dns("orders.default.svc.cluster.local", 8080).build())
 *     .outlierDetection(OutlierDetection.ofDefaults())
 *     .activeHealthCheck(ActiveHealthCheck.http("/health").build())
 *     .slowStart(Duration.ofSeconds(30))
 *     .meterRegistry(registry)
 *     .build();
 * }</pre>
 */
public final class LoadBalancerBuilder {

  /** The service name of a balancer built without one. */
  public static final String DEFAULT_SERVICE_NAME = "default";

  /**
   * The panic threshold unless set otherwise, in percent (Envoy's default): when fewer than half
   * the endpoints are available, picks spread over all of them.
   */
  public static final double DEFAULT_PANIC_THRESHOLD = 50.0;

  /** The weight a slow-starting endpoint begins at unless set otherwise, in percent (Envoy's default). */
  public static final int DEFAULT_SLOW_START_MIN_WEIGHT_PERCENT = 10;

  /** The peak-EWMA time constant unless set otherwise (Finagle's and Linkerd's default). */
  public static final Duration DEFAULT_LATENCY_DECAY = Duration.ofSeconds(10);

  final Strategy strategy;
  String serviceName = DEFAULT_SERVICE_NAME;
  private @Nullable EndpointSource endpointSource;
  TimeSource timeSource = TimeSource.system();
  @Nullable MeterRegistry meterRegistry;
  @Nullable OutlierDetection outlierDetection;
  @Nullable ActiveHealthCheck activeHealthCheck;
  private @Nullable ScheduledExecutorService scheduler;
  @Nullable Duration slowStart;
  int slowStartMinWeightPercent = DEFAULT_SLOW_START_MIN_WEIGHT_PERCENT;
  double panicThreshold = DEFAULT_PANIC_THRESHOLD;
  Duration latencyDecay = DEFAULT_LATENCY_DECAY;
  Supplier<? extends NodeSetBuilder<Endpoint, ?>> hashFactory = MaglevHash::builder;
  boolean writableStackTrace;
  private final BuilderSettings settings = new BuilderSettings();

  LoadBalancerBuilder(Strategy strategy) {
    this.strategy = strategy;
  }

  LoadBalancerBuilder(Strategy strategy, Supplier<? extends NodeSetBuilder<Endpoint, ?>> hashFactory) {
    this.strategy = strategy;
    this.hashFactory = Objects.requireNonNull(hashFactory, "nodeSet");
  }

  /**
   * Names the service, for error messages, metric tags and the health check's name. Default
   * {@value #DEFAULT_SERVICE_NAME}.
   *
   * @param serviceName the name, not blank
   * @return this builder
   * @throws NullPointerException if {@code serviceName} is null
   * @throws IllegalArgumentException if {@code serviceName} is blank
   * @throws IllegalStateException if already set
   */
  public LoadBalancerBuilder serviceName(String serviceName) {
    Arguments.notBlank(serviceName, "serviceName");
    settings.requireUnset("serviceName", this.serviceName);
    this.serviceName = serviceName;
    return this;
  }

  /**
   * Sets where the endpoints come from. Required (or {@link #endpoints(List)}). The balancer
   * subscribes to the source and unsubscribes on close; it never closes the source.
   *
   * @param source the source
   * @return this builder
   * @throws NullPointerException if {@code source} is null
   * @throws IllegalStateException if a source or endpoints were already set
   */
  public LoadBalancerBuilder endpointSource(EndpointSource source) {
    Objects.requireNonNull(source, "source");
    settings.requireUnset("endpointSource", this.endpointSource);
    this.endpointSource = source;
    return this;
  }

  /**
   * Sets a fixed endpoint list; the same as {@code endpointSource(EndpointSource.of(endpoints))}.
   *
   * @param endpoints the endpoints, at least one, with unique ids
   * @return this builder
   * @throws NullPointerException if {@code endpoints} or an element is null
   * @throws IllegalArgumentException if {@code endpoints} is empty or two share an id
   * @throws IllegalStateException if a source or endpoints were already set
   */
  public LoadBalancerBuilder endpoints(List<Endpoint> endpoints) {
    return endpointSource(EndpointSource.of(endpoints));
  }

  /**
   * Sets the time source for ejection times, slow start, failure-rate windows and latency decay;
   * {@link TimeSource#system()} by default. Meant for tests with a {@code ManualTimeSource}.
   * Active health checks run on the scheduler's real time regardless.
   *
   * @param timeSource the time source
   * @return this builder
   * @throws NullPointerException if {@code timeSource} is null
   * @throws IllegalStateException if already set
   */
  public LoadBalancerBuilder timeSource(TimeSource timeSource) {
    Objects.requireNonNull(timeSource, "timeSource");
    settings.requireUnset("timeSource", this.timeSource);
    this.timeSource = timeSource;
    return this;
  }

  /**
   * Registers the balancer's meters ({@code layerkit.lb.*}, tagged {@code name} with the service
   * name) in {@code registry}. Costs a pick one uncontended counter increment; meters are read
   * only when scraped. Off by default.
   *
   * @param registry the registry
   * @return this builder
   * @throws NullPointerException if {@code registry} is null
   * @throws IllegalStateException if already set
   */
  public LoadBalancerBuilder meterRegistry(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    settings.requireUnset("meterRegistry", this.meterRegistry);
    this.meterRegistry = registry;
    return this;
  }

  /**
   * Turns on passive outlier ejection.
   *
   * @param outlierDetection the configuration, for example {@link OutlierDetection#ofDefaults()}
   * @return this builder
   * @throws NullPointerException if {@code outlierDetection} is null
   * @throws IllegalStateException if already set
   */
  public LoadBalancerBuilder outlierDetection(OutlierDetection outlierDetection) {
    Objects.requireNonNull(outlierDetection, "outlierDetection");
    settings.requireUnset("outlierDetection", this.outlierDetection);
    this.outlierDetection = outlierDetection;
    return this;
  }

  /**
   * Turns on active health checks, run on the {@link #scheduler(ScheduledExecutorService)}.
   *
   * @param activeHealthCheck the configuration
   * @return this builder
   * @throws NullPointerException if {@code activeHealthCheck} is null
   * @throws IllegalStateException if already set
   */
  public LoadBalancerBuilder activeHealthCheck(ActiveHealthCheck activeHealthCheck) {
    Objects.requireNonNull(activeHealthCheck, "activeHealthCheck");
    settings.requireUnset("activeHealthCheck", this.activeHealthCheck);
    this.activeHealthCheck = activeHealthCheck;
    return this;
  }

  /**
   * Sets the scheduler active health probes run on; a shared daemon scheduler by default. Probes
   * block up to their timeout, so the scheduler's thread count bounds how many endpoints are
   * probed at once. The balancer does not shut an injected scheduler down.
   *
   * @param scheduler the scheduler
   * @return this builder
   * @throws NullPointerException if {@code scheduler} is null
   * @throws IllegalStateException if already set
   */
  public LoadBalancerBuilder scheduler(ScheduledExecutorService scheduler) {
    Objects.requireNonNull(scheduler, "scheduler");
    settings.requireUnset("scheduler", this.scheduler);
    this.scheduler = scheduler;
    return this;
  }

  /**
   * Turns on slow start: an endpoint that joins the set after the first one, returns from
   * ejection or passes health checks again starts at a fraction of its weight
   * ({@link #slowStartMinWeightPercent(int)}) that grows linearly to the full weight over
   * {@code window}, in ten steps, so a cold instance (empty caches, JIT not warm) is not flooded.
   * Applies to the strategies that follow weights; round robin ignores weights and consistent
   * hashing cannot lower a weight without moving keys.
   *
   * @param window how long the ramp lasts, at least 1 ms
   * @return this builder
   * @throws NullPointerException if {@code window} is null
   * @throws IllegalArgumentException if {@code window} is shorter than 1 ms
   * @throws IllegalStateException if already set, or the strategy is {@code roundRobin} or
   *     {@code consistentHash}
   */
  public LoadBalancerBuilder slowStart(Duration window) {
    Arguments.atLeastOneMilli(window, "slowStart window");
    if (!strategy.weighted) {
      throw new IllegalStateException("slowStart does not apply to " + strategy.factoryName
          + ", which does not follow weights; use weightedRoundRobin, random, leastRequest or peakEwma");
    }
    settings.requireUnset("slowStart", this.slowStart);
    this.slowStart = window;
    return this;
  }

  /**
   * Sets the weight a slow-starting endpoint begins at, in percent of its full weight. Default
   * {@value #DEFAULT_SLOW_START_MIN_WEIGHT_PERCENT}.
   *
   * @param percent the starting weight, 1 to 100
   * @return this builder
   * @throws IllegalArgumentException if {@code percent} is not in [1, 100]
   * @throws IllegalStateException if already set
   */
  public LoadBalancerBuilder slowStartMinWeightPercent(int percent) {
    if (percent < 1 || percent > 100) {
      throw new IllegalArgumentException("slowStartMinWeightPercent must be in [1, 100] but was " + percent);
    }
    settings.requireUnset("slowStartMinWeightPercent", this.slowStartMinWeightPercent);
    this.slowStartMinWeightPercent = percent;
    return this;
  }

  /**
   * Sets the panic threshold: when fewer than this percentage of endpoints are available (not
   * ejected, not failing health checks), picks spread over all endpoints, on the reasoning that
   * the health signal is then more likely wrong, or the survivors would be overwhelmed, than that
   * most of the service is truly down. 0 turns panic mode off: picks then fail with
   * {@link NoAvailableEndpointException} when nothing is available. Default
   * {@value #DEFAULT_PANIC_THRESHOLD}.
   *
   * @param percent the threshold, 0 to 100
   * @return this builder
   * @throws IllegalArgumentException if {@code percent} is not in [0, 100]
   * @throws IllegalStateException if already set
   */
  public LoadBalancerBuilder panicThreshold(double percent) {
    if (!(percent >= 0 && percent <= 100)) {
      throw new IllegalArgumentException("panicThreshold must be in [0, 100] but was " + percent);
    }
    settings.requireUnset("panicThreshold", this.panicThreshold);
    this.panicThreshold = percent;
    return this;
  }

  /**
   * Sets the time constant of the peak-EWMA latency average of {@code peakEwma}: how
   * fast old latencies fade. Default 10 s.
   *
   * @param tau the time constant, at least 1 ms
   * @return this builder
   * @throws NullPointerException if {@code tau} is null
   * @throws IllegalArgumentException if {@code tau} is shorter than 1 ms
   * @throws IllegalStateException if already set, or the strategy is not {@code peakEwma}
   */
  public LoadBalancerBuilder latencyDecay(Duration tau) {
    Arguments.atLeastOneMilli(tau, "latencyDecay");
    if (strategy != Strategy.PEAK_EWMA) {
      throw new IllegalStateException("latencyDecay applies to peakEwma only, not " + strategy.factoryName);
    }
    settings.requireUnset("latencyDecay", this.latencyDecay);
    this.latencyDecay = tau;
    return this;
  }

  /**
   * Sets whether {@link NoAvailableEndpointException}s carry a stack trace. Off by default: while
   * a service is down every pick throws, and the stack trace says nothing the message does not.
   *
   * @param writableStackTrace whether to record stack traces
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public LoadBalancerBuilder writableStackTrace(boolean writableStackTrace) {
    settings.requireUnset("writableStackTrace", this.writableStackTrace);
    this.writableStackTrace = writableStackTrace;
    return this;
  }

  /**
   * Builds the balancer: subscribes to the source (reading its current set) and starts active
   * health checks if configured.
   *
   * @return the balancer, thread-safe
   * @throws IllegalStateException if no endpoint source was set
   * @throws IllegalArgumentException if the consistent-hash node-set factory rejects the endpoints
   */
  public LoadBalancer build() {
    if (endpointSource == null) {
      throw new IllegalStateException("an endpointSource (or endpoints) is required for service '" + serviceName + "'");
    }
    return strategy.create(this);
  }

  EndpointSource endpointSource() {
    return Objects.requireNonNull(endpointSource, "endpointSource");
  }

  ScheduledExecutorService scheduler() {
    return scheduler != null ? scheduler : SharedScheduler.get();
  }

  @Override
  public String toString() {
    return "LoadBalancers." + strategy.factoryName + "(){service=" + serviceName + '}';
  }
}
