package dev.layerkit.gateway.lb;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.gateway.lb.internal.SharedScheduler;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link EndpointSource} that resolves a host name to all its addresses and re-resolves it on
 * an interval: one endpoint per address, all on the same port. Made for Kubernetes headless
 * services, whose name resolves to the ready pods' IPs, and for any round-robin DNS name.
 *
 * <p>Endpoints are identified by {@code ip:port}, so an address that stays in the answer keeps its
 * balancer state (outstanding requests, latency, ejection history) across refreshes. Addresses are
 * sorted, so the same answer in another order is not a change.
 *
 * <p><b>Failure:</b> when a lookup fails ({@link UnknownHostException}, which is also what a
 * DNS outage looks like) the source keeps its last set and logs a warning: stale endpoints are
 * better than none, and outlier detection or health checks handle those that are gone. An answer
 * with no addresses empties the set. The first lookup happens in {@link Builder#build()}; if it
 * fails, the source starts empty and keeps trying.
 *
 * <p>Resolution goes through a {@link HostResolver}, {@link HostResolver#system()} by default,
 * whose JVM-level cache may hide changes for up to 30 s (see there).
 *
 * <p>Thread-safe. Lookups run on the scheduler, one at a time; {@link #close()} stops them.
 *
 * <pre>{@code
 * try (DnsEndpointSource source = EndpointSource.dns("orders.default.svc.cluster.local", 8080)
 *     .refreshInterval(Duration.ofSeconds(5))
 *     .build()) {
 *   LoadBalancer lb = LoadBalancers.leastRequest().serviceName("orders").endpointSource(source).build();
 *   ...
 * }
 * }</pre>
 */
public final class DnsEndpointSource implements EndpointSource {

  /** How often the name is re-resolved unless set otherwise. */
  public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofSeconds(5);

  private static final Logger LOG = LoggerFactory.getLogger(DnsEndpointSource.class);

  private final String hostName;
  private final int port;
  private final int weight;
  private final HostResolver resolver;
  private final MutableEndpointSource delegate = new MutableEndpointSource(List.of());
  private final Object refreshLock = new Object();
  private final ScheduledFuture<?> refreshTask;
  private volatile boolean closed;

  private DnsEndpointSource(Builder b, ScheduledExecutorService scheduler) {
    this.hostName = b.hostName;
    this.port = b.port;
    this.weight = b.weight;
    this.resolver = b.resolver;
    refresh();
    long interval = b.refreshInterval.toNanos();
    this.refreshTask = scheduler.scheduleWithFixedDelay(this::refreshQuietly, interval, interval, TimeUnit.NANOSECONDS);
  }

  static Builder builder(String hostName, int port) {
    return new Builder(hostName, port);
  }

  /**
   * Resolves the name now and publishes the answer if it differs from the current set. The
   * periodic refresh calls this; call it yourself to react to an outside hint sooner.
   *
   * @return whether the endpoint set changed
   * @throws IllegalStateException if the source is closed
   */
  public boolean refresh() {
    synchronized (refreshLock) {
      if (closed) {
        throw new IllegalStateException("DnsEndpointSource for " + hostName + " is closed");
      }
      List<InetAddress> addresses;
      try {
        addresses = resolver.resolve(hostName);
      } catch (UnknownHostException | RuntimeException e) {
        LOG.warn("resolving {} failed; keeping its {} known endpoints: {}", hostName, delegate.endpoints().size(),
            e.toString());
        return false;
      }
      return delegate.update(toEndpoints(addresses));
    }
  }

  /**
   * Returns the name this source resolves.
   *
   * @return the host name
   */
  public String hostName() {
    return hostName;
  }

  @Override
  public List<Endpoint> endpoints() {
    return delegate.endpoints();
  }

  @Override
  public Subscription subscribe(Consumer<? super List<Endpoint>> listener) {
    return delegate.subscribe(listener);
  }

  /** Stops re-resolving and drops every listener. Idempotent. */
  @Override
  public void close() {
    refreshTask.cancel(false);
    synchronized (refreshLock) {
      closed = true;
      delegate.close();
    }
  }

  @Override
  public String toString() {
    return "DnsEndpointSource{" + hostName + ':' + port + ", endpoints=" + delegate.endpoints().size() + '}';
  }

  private void refreshQuietly() {
    try {
      if (!closed) {
        refresh();
      }
    } catch (RuntimeException e) {
      // A periodic task that throws is never run again; keep the schedule alive.
      LOG.warn("refreshing endpoints of {} failed", hostName, e);
    }
  }

  private List<Endpoint> toEndpoints(List<InetAddress> addresses) {
    // Sorted by address text, so a reordered answer is the same set.
    TreeMap<String, Endpoint> byAddress = new TreeMap<>();
    for (InetAddress address : addresses) {
      String ip = address.getHostAddress();
      byAddress.computeIfAbsent(ip, a -> Endpoint.builder(a, port).weight(weight).build());
    }
    return new ArrayList<>(byAddress.values());
  }

  /**
   * Builds a {@link DnsEndpointSource}. Each value may be set once; not thread-safe.
   */
  public static final class Builder {

    private final String hostName;
    private final int port;
    private Duration refreshInterval = DEFAULT_REFRESH_INTERVAL;
    private HostResolver resolver = HostResolver.system();
    private @Nullable ScheduledExecutorService scheduler;
    private int weight = Endpoint.DEFAULT_WEIGHT;
    private final BuilderSettings settings = new BuilderSettings();

    private Builder(String hostName, int port) {
      Arguments.notBlank(hostName, "hostName");
      if (port < 1 || port > 65_535) {
        throw new IllegalArgumentException("port must be in [1, 65535] but was " + port);
      }
      this.hostName = hostName;
      this.port = port;
    }

    /**
     * Sets how often the name is re-resolved. Default 5 s.
     *
     * @param refreshInterval the interval, at least 1 ms
     * @return this builder
     * @throws NullPointerException if {@code refreshInterval} is null
     * @throws IllegalArgumentException if {@code refreshInterval} is shorter than 1 ms
     * @throws IllegalStateException if already set on this builder
     */
    public Builder refreshInterval(Duration refreshInterval) {
      Arguments.atLeastOneMilli(refreshInterval, "refreshInterval");
      settings.requireUnset("refreshInterval", this.refreshInterval);
      this.refreshInterval = refreshInterval;
      return this;
    }

    /**
     * Sets the resolver; {@link HostResolver#system()} by default.
     *
     * @param resolver the resolver
     * @return this builder
     * @throws NullPointerException if {@code resolver} is null
     * @throws IllegalStateException if already set on this builder
     */
    public Builder resolver(HostResolver resolver) {
      Objects.requireNonNull(resolver, "resolver");
      settings.requireUnset("resolver", this.resolver);
      this.resolver = resolver;
      return this;
    }

    /**
     * Sets the scheduler the periodic lookups run on; a shared daemon scheduler by default. The
     * source does not shut an injected scheduler down.
     *
     * @param scheduler the scheduler
     * @return this builder
     * @throws NullPointerException if {@code scheduler} is null
     * @throws IllegalStateException if already set on this builder
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      Objects.requireNonNull(scheduler, "scheduler");
      settings.requireUnset("scheduler", this.scheduler);
      this.scheduler = scheduler;
      return this;
    }

    /**
     * Sets the weight of every endpoint. Default {@value Endpoint#DEFAULT_WEIGHT}.
     *
     * @param weight the weight, 1 to {@value Endpoint#MAX_WEIGHT}
     * @return this builder
     * @throws IllegalArgumentException if {@code weight} is out of range
     * @throws IllegalStateException if already set on this builder
     */
    public Builder weight(int weight) {
      Arguments.positive(weight, "weight");
      if (weight > Endpoint.MAX_WEIGHT) {
        throw new IllegalArgumentException("weight must be <= " + Endpoint.MAX_WEIGHT + " but was " + weight);
      }
      settings.requireUnset("weight", this.weight);
      this.weight = weight;
      return this;
    }

    /**
     * Resolves the name once and starts the periodic refresh.
     *
     * @return the source
     */
    public DnsEndpointSource build() {
      return new DnsEndpointSource(this, scheduler != null ? scheduler : SharedScheduler.get());
    }
  }
}
