package dev.layerkit.infra;

import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.time.TimeSource;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the health checks of every block (Redis, PostgreSQL, Kafka, gateway upstreams) in parallel,
 * each with its own timeout, and caches their results so that probes never stampede a backend.
 *
 * <pre>{@code
 * HealthRegistry health = HealthRegistry.builder()
 *     .checkTimeout(Duration.ofSeconds(1))
 *     .cacheInterval(Duration.ofSeconds(2))
 *     .build();
 * health.register(redisCheck);                                     // critical, readiness
 * health.register(analyticsCheck, false, HealthRegistry.READINESS); // DOWN -> DEGRADED
 * health.register(deadlockCheck, true, HealthRegistry.LIVENESS);
 * HealthReport ready = health.report(HealthRegistry.READINESS);
 * }</pre>
 *
 * <h2>Groups</h2>
 *
 * <p>A check belongs to one or more groups; {@link #LIVENESS}, {@link #READINESS} and
 * {@link #STARTUP} are the ones {@link AdminServer} serves on {@code /health/live},
 * {@code /health/ready} and {@code /health/started}. Readiness and startup also reflect the
 * {@link Phase} that {@link Lifecycle} sets: readiness is {@code DOWN} while starting and from the
 * moment shutdown begins, without waiting for any cache to expire.
 *
 * <h2>Caching and timeouts</h2>
 *
 * <p>Each check runs on the registry's executor. A result is reused for
 * {@link Builder#cacheInterval(Duration)} after it arrived. When it is older, the first reader
 * starts one refresh in the background, and readers go on getting the previous result until the
 * refresh lands, as long as that result is younger than the interval plus the check's timeout
 * (the longest a refresh can take); an older result is not served, and readers wait for the
 * refresh instead, so an idle instance's first probe is not answered from long-gone state. Either
 * way only one refresh runs at a time, so a backend is touched at most once per interval however
 * many probes arrive, and under steady probing no probe waits for a backend. A check that has not answered within
 * {@link Builder#checkTimeout(Duration)} (or its own, given at registration) is reported
 * {@code DOWN} with
 * {@code "timed out after N ms"}, and does not delay the other checks, which run at the same time.
 * While a timed-out call is still running it is not called again: later refreshes report it
 * {@code DOWN} at once rather than piling more threads onto a hung backend.
 *
 * <h2>Failure</h2>
 *
 * <p>A check that throws is {@code DOWN} with the exception's class and message (never its stack
 * trace); one that returns null is {@code DOWN} too. A non-critical check's {@code DOWN} makes the
 * report {@code DEGRADED}. A check going {@code DOWN} is logged at WARN with its name, duration and
 * details (a timeout says {@code "timed out after N ms"}), and its recovery at INFO; a check that
 * stays down is not logged again.
 *
 * <p>Thread-safe. {@link #report(String)} blocks for at most about the check timeout; with fresh
 * results cached it returns without waiting. Metrics, once bound to a registry
 * ({@link #bindTo(MeterRegistry)}):
 * {@code layerkit.health.ready} (gauge, 1 when readiness is not {@code DOWN} by the cached
 * results, else 0) and {@code layerkit.health.check.status} (gauge per {@code check}: 1 up, 0.5
 * degraded, 0 down, from the cache without running the check).
 */
public final class HealthRegistry implements MeterBinder, AutoCloseable {

  /** The group served on {@code /health/live}: is the process able to make progress at all. */
  public static final String LIVENESS = "live";
  /** The group served on {@code /health/ready}: should this instance receive traffic. */
  public static final String READINESS = "ready";
  /** The group served on {@code /health/started}: has the process finished starting. */
  public static final String STARTUP = "started";
  /** The default time a check may take before it is reported {@code DOWN}. */
  public static final Duration DEFAULT_CHECK_TIMEOUT = Duration.ofSeconds(2);
  /** The default time a check's result is reused. */
  public static final Duration DEFAULT_CACHE_INTERVAL = Duration.ofSeconds(1);
  /** The name of the synthetic check that reports the {@link Phase} in readiness and startup. */
  public static final String LIFECYCLE_CHECK = "lifecycle";

  private static final Logger LOG = LoggerFactory.getLogger(HealthRegistry.class);

  /** Where the process is in its life, as {@link Lifecycle} reports it. */
  public enum Phase {
    /** Components are starting: readiness and startup are {@code DOWN}. */
    STARTING,
    /** Started and taking traffic: readiness and startup follow the checks. */
    SERVING,
    /** Shutting down: readiness is {@code DOWN} so load balancers stop sending traffic. */
    STOPPING
  }

  private final TimeSource timeSource;
  private final long timeoutNanos;
  private final long cacheNanos;
  private final ExecutorService executor;
  private final boolean ownsExecutor;
  private final List<MeterRegistry> meterRegistries = new CopyOnWriteArrayList<>();
  // Registration order matters for reports; registrations are rare, reads copy under the lock.
  private final Map<String, Entry> entries = new LinkedHashMap<>();
  private volatile Phase phase;

  private HealthRegistry(Builder builder) {
    this.timeSource = builder.timeSource;
    this.timeoutNanos = builder.checkTimeout.toNanos();
    this.cacheNanos = builder.cacheInterval.toNanos();
    ExecutorService given = builder.executor;
    this.ownsExecutor = given == null;
    this.executor = given != null ? given : Executors.newCachedThreadPool(new DaemonThreads("layerkit-health-"));
    this.phase = builder.initialPhase;
    if (builder.meterRegistry != null) {
      bindTo(builder.meterRegistry);
    }
  }

  /**
   * Registers the registry's gauges in {@code registry}: {@code layerkit.health.ready} and a
   * {@code layerkit.health.check.status} per check, including checks registered later. The gauges
   * read cached results only, so a scrape never runs a check. {@link AdminServer} binds its
   * registry this way.
   *
   * @param registry the meter registry
   * @throws NullPointerException if {@code registry} is null
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    List<Entry> current;
    synchronized (entries) {
      if (meterRegistries.contains(registry)) {
        return;
      }
      meterRegistries.add(registry);
      current = List.copyOf(entries.values());
    }
    Gauge.builder("layerkit.health.ready", this, r -> r.cachedReadiness() == HealthStatus.DOWN ? 0 : 1)
        .description("1 when readiness is UP or DEGRADED by the cached check results, else 0")
        .register(registry);
    for (Entry entry : current) {
      registerGauge(registry, entry);
    }
  }

  private static void registerGauge(MeterRegistry registry, Entry entry) {
    Gauge.builder("layerkit.health.check.status", entry, Entry::cachedStatusValue)
        .description("1 up, 0.5 degraded, 0 down, by the last cached result; NaN before the first run")
        .tag("check", entry.name())
        .register(registry);
  }

  /**
   * Returns a builder with the defaults.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Registers a critical check in the {@link #READINESS} group.
   *
   * @param check the check
   * @return this registry
   * @throws NullPointerException if {@code check} is null
   * @throws IllegalStateException if a check with the same name is already registered
   */
  public HealthRegistry register(HealthCheck check) {
    return register(check, true, READINESS);
  }

  /**
   * Registers a check in the given groups.
   *
   * @param check the check, whose {@link HealthCheck#name()} must be unique in this registry
   * @param critical whether its {@code DOWN} makes a group {@code DOWN}; a non-critical check's
   *     {@code DOWN} makes it {@code DEGRADED}
   * @param groups one or more groups, for example {@link #READINESS} and {@link #LIVENESS}
   * @return this registry
   * @throws NullPointerException if {@code check}, {@code groups} or a group is null
   * @throws IllegalArgumentException if no group is given or a group is blank
   * @throws IllegalStateException if a check with the same name is already registered
   */
  public HealthRegistry register(HealthCheck check, boolean critical, String... groups) {
    return register(check, critical, Duration.ofNanos(timeoutNanos), groups);
  }

  /**
   * Registers a check in the given groups with its own timeout instead of the registry's.
   *
   * @param check the check, whose {@link HealthCheck#name()} must be unique in this registry
   * @param critical whether its {@code DOWN} makes a group {@code DOWN}
   * @param timeout how long this check may take before it is reported {@code DOWN}, positive
   * @param groups one or more groups
   * @return this registry
   * @throws NullPointerException if {@code check}, {@code timeout}, {@code groups} or a group is
   *     null
   * @throws IllegalArgumentException if {@code timeout} is not positive, no group is given or a
   *     group is blank
   * @throws IllegalStateException if a check with the same name is already registered
   */
  public HealthRegistry register(HealthCheck check, boolean critical, Duration timeout, String... groups) {
    Objects.requireNonNull(check, "check");
    Arguments.positive(timeout, "timeout");
    Objects.requireNonNull(groups, "groups");
    if (groups.length == 0) {
      throw new IllegalArgumentException("groups must name at least one group but was empty");
    }
    Set<String> groupSet = new LinkedHashSet<>();
    for (String group : groups) {
      Objects.requireNonNull(group, "group");
      if (group.isBlank()) {
        throw new IllegalArgumentException("group must not be blank but was '" + group + "' in " + Arrays.toString(groups));
      }
      groupSet.add(group);
    }
    String name = Objects.requireNonNull(check.name(), "check.name()");
    Entry entry = new Entry(check, critical, Set.copyOf(groupSet), timeout.toNanos());
    List<MeterRegistry> bound;
    synchronized (entries) {
      if (entries.containsKey(name) || LIFECYCLE_CHECK.equals(name)) {
        throw new IllegalStateException("a health check named '" + name + "' is already registered");
      }
      entries.put(name, entry);
      bound = List.copyOf(meterRegistries);
    }
    for (MeterRegistry registry : bound) {
      registerGauge(registry, entry);
    }
    return this;
  }

  /**
   * Returns the names of the registered checks, in registration order.
   *
   * @return a snapshot of the names
   */
  public List<String> checkNames() {
    synchronized (entries) {
      return List.copyOf(entries.keySet());
    }
  }

  /**
   * Runs (or reuses the cached results of) the checks in one group and aggregates them.
   *
   * <p>Blocks for at most about the check timeout; returns at once when every result is cached.
   * A group with no checks is {@code UP} unless the {@link Phase} says otherwise.
   *
   * @param group the group, for example {@link #READINESS}
   * @return the report
   * @throws NullPointerException if {@code group} is null
   */
  public HealthReport report(String group) {
    Objects.requireNonNull(group, "group");
    return collect(group);
  }

  /**
   * Runs (or reuses the cached results of) every check and aggregates them, including the
   * {@link Phase} as readiness sees it.
   *
   * @return the report
   */
  public HealthReport report() {
    return collect(null);
  }

  private HealthReport collect(@Nullable String group) {
    List<Entry> selected = new ArrayList<>();
    synchronized (entries) {
      for (Entry entry : entries.values()) {
        if (group == null || entry.groups.contains(group)) {
          selected.add(entry);
        }
      }
    }
    // Start every refresh before waiting on any, so checks run in parallel.
    List<CompletableFuture<Health>> futures = new ArrayList<>(selected.size());
    for (Entry entry : selected) {
      futures.add(current(entry));
    }
    List<HealthReport.CheckResult> results = new ArrayList<>(selected.size() + 1);
    HealthStatus status = HealthStatus.UP;
    Phase current = phase;
    boolean phaseApplies = group == null || READINESS.equals(group) || STARTUP.equals(group);
    boolean phaseDown = current == Phase.STARTING || (current == Phase.STOPPING && !STARTUP.equals(group));
    if (phaseApplies && phaseDown) {
      Health health = Health.down(current == Phase.STARTING ? "starting" : "shutting down").build();
      results.add(new HealthReport.CheckResult(LIFECYCLE_CHECK, true, Set.of(READINESS, STARTUP), health));
      status = HealthStatus.DOWN;
    }
    for (int i = 0; i < selected.size(); i++) {
      Entry entry = selected.get(i);
      // Each future completes by the timeout at the latest (see current()), so join is bounded.
      HealthReport.CheckResult result =
          new HealthReport.CheckResult(entry.name(), entry.critical, entry.groups, futures.get(i).join());
      results.add(result);
      status = status.and(result.effectiveStatus());
    }
    return new HealthReport(status, results);
  }

  /**
   * Returns the current phase.
   *
   * @return the phase
   */
  public Phase phase() {
    return phase;
  }

  /**
   * Sets the phase; takes effect on the next report, bypassing the result cache. {@link Lifecycle}
   * calls this; applications that manage their own lifecycle may too.
   *
   * @param phase the new phase
   * @throws NullPointerException if {@code phase} is null
   */
  public void phase(Phase phase) {
    Phase previous = this.phase;
    this.phase = Objects.requireNonNull(phase, "phase");
    if (previous != phase) {
      LOG.info("health phase {} -> {}", previous, phase);
    }
  }

  /** Stops the registry's own executor, if it made one; a given executor is left to its owner. */
  @Override
  public void close() {
    if (ownsExecutor) {
      executor.shutdownNow();
    }
  }

  private HealthStatus cachedReadiness() {
    if (phase != Phase.SERVING) {
      return HealthStatus.DOWN;
    }
    HealthStatus status = HealthStatus.UP;
    synchronized (entries) {
      for (Entry entry : entries.values()) {
        Cached cached = entry.cached;
        if (cached != null && entry.groups.contains(READINESS)) {
          HealthStatus s = cached.health.status();
          status = status.and(!entry.critical && s == HealthStatus.DOWN ? HealthStatus.DEGRADED : s);
        }
      }
    }
    return status;
  }

  /**
   * Returns the fresh cached result; or, while the cached one is stale but younger than the
   * interval plus the timeout, that one with a refresh started in the background; or else the
   * refresh in flight or a new one, to wait for.
   */
  private CompletableFuture<Health> current(Entry entry) {
    CompletableFuture<Health> refresh;
    boolean previousCallHung;
    @Nullable Health stale;
    synchronized (entry) {
      Cached cached = entry.cached;
      long age = cached == null ? Long.MAX_VALUE : timeSource.nanoTime() - cached.atNanos;
      if (cached != null && age < cacheNanos) {
        return CompletableFuture.completedFuture(cached.health);
      }
      stale = cached != null && age < cacheNanos + entry.timeoutNanos ? cached.health : null;
      if (entry.inFlight != null) {
        return stale != null ? CompletableFuture.completedFuture(stale) : entry.inFlight;
      }
      refresh = new CompletableFuture<>();
      entry.inFlight = refresh;
      previousCallHung = entry.calling;
      entry.calling = true;
    }
    if (previousCallHung) {
      finish(entry, refresh, timedOut(entry, true));
      return refresh;
    }
    long started = timeSource.nanoTime();
    try {
      executor.execute(() -> {
        Health health;
        try {
          Health result = entry.check.check();
          health = result != null ? result : Health.down("check returned null").build();
        } catch (Throwable e) {
          health = Health.down(e).build();
          LOG.debug("health check {} failed", entry.name(), e);
        } finally {
          synchronized (entry) {
            entry.calling = false;
          }
        }
        finish(entry, refresh, health.withDuration(Duration.ofNanos(Math.max(0, timeSource.nanoTime() - started))));
      });
    } catch (RejectedExecutionException e) {
      synchronized (entry) {
        entry.calling = false;
      }
      finish(entry, refresh, Health.down("health executor rejected the check").build());
      return refresh;
    }
    CompletableFuture.delayedExecutor(entry.timeoutNanos, TimeUnit.NANOSECONDS)
        .execute(() -> finish(entry, refresh, timedOut(entry, false)));
    return stale != null ? CompletableFuture.completedFuture(stale) : refresh;
  }

  private static Health timedOut(Entry entry, boolean stillRunning) {
    long timeoutNanos = entry.timeoutNanos;
    long millis = TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
    String reason = "timed out after " + millis + " ms" + (stillRunning ? " (previous call still running)" : "");
    return Health.down(reason).duration(Duration.ofNanos(stillRunning ? 0 : timeoutNanos)).build();
  }

  /** Completes a refresh once: the first of result and timeout wins and is cached. */
  private void finish(Entry entry, CompletableFuture<Health> refresh, Health health) {
    HealthStatus previous;
    synchronized (entry) {
      if (entry.inFlight != refresh) {
        return;
      }
      Cached before = entry.cached;
      previous = before == null ? HealthStatus.UP : before.health.status();
      entry.cached = new Cached(health, timeSource.nanoTime());
      entry.inFlight = null;
    }
    // Transitions only, so a backend that stays down logs once, not once per interval.
    if (health.status() == HealthStatus.DOWN && previous != HealthStatus.DOWN) {
      LOG.warn("health check {} is DOWN after {} ms: {}", entry.name(), health.duration().toMillis(), health.details());
    } else if (health.status() != HealthStatus.DOWN && previous == HealthStatus.DOWN) {
      LOG.info("health check {} is {} again", entry.name(), health.status());
    }
    refresh.complete(health);
  }

  private record Cached(Health health, long atNanos) {}

  /** A registered check and its cache; the mutable fields are guarded by the entry's monitor. */
  private static final class Entry {
    final HealthCheck check;
    final boolean critical;
    final Set<String> groups;
    final long timeoutNanos;
    volatile @Nullable Cached cached;
    @Nullable CompletableFuture<Health> inFlight;
    /** True while {@code check.check()} is executing, possibly past its timeout. */
    boolean calling;

    Entry(HealthCheck check, boolean critical, Set<String> groups, long timeoutNanos) {
      this.check = check;
      this.critical = critical;
      this.groups = groups;
      this.timeoutNanos = timeoutNanos;
    }

    String name() {
      return check.name();
    }

    double cachedStatusValue() {
      Cached c = cached;
      if (c == null) {
        return Double.NaN;
      }
      switch (c.health.status()) {
        case UP:
          return 1;
        case DEGRADED:
          return 0.5;
        default:
          return 0;
      }
    }
  }

  /** Makes daemon threads with a name prefix, so a stuck check never keeps the JVM alive. */
  static final class DaemonThreads implements ThreadFactory {
    private final String prefix;
    private final AtomicInteger count = new AtomicInteger();

    DaemonThreads(String prefix) {
      this.prefix = prefix;
    }

    @Override
    public Thread newThread(Runnable r) {
      Thread thread = new Thread(r, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    }
  }

  /**
   * Configures a {@link HealthRegistry}. Not thread-safe; each setting may be given once.
   */
  public static final class Builder {
    private TimeSource timeSource = TimeSource.system();
    private Duration checkTimeout = DEFAULT_CHECK_TIMEOUT;
    private Duration cacheInterval = DEFAULT_CACHE_INTERVAL;
    private @Nullable ExecutorService executor;
    private @Nullable MeterRegistry meterRegistry;
    private Phase initialPhase = Phase.SERVING;
    private final BuilderSettings settings = new BuilderSettings();

    private Builder() {}


    /**
     * Sets how long a check may take before it is reported {@code DOWN}; default
     * {@link #DEFAULT_CHECK_TIMEOUT}.
     *
     * @param checkTimeout the timeout, positive
     * @return this builder
     * @throws NullPointerException if {@code checkTimeout} is null
     * @throws IllegalArgumentException if it is zero or negative
     * @throws IllegalStateException if already set
     */
    public Builder checkTimeout(Duration checkTimeout) {
      Arguments.positive(checkTimeout, "checkTimeout");
      settings.requireUnset("checkTimeout", this.checkTimeout);
      this.checkTimeout = checkTimeout;
      return this;
    }

    /**
     * Sets how long a result is reused before the check runs again; default
     * {@link #DEFAULT_CACHE_INTERVAL}. Zero runs the check for every report, but still at most
     * once at a time.
     *
     * @param cacheInterval the interval, zero or positive
     * @return this builder
     * @throws NullPointerException if {@code cacheInterval} is null
     * @throws IllegalArgumentException if it is negative
     * @throws IllegalStateException if already set
     */
    public Builder cacheInterval(Duration cacheInterval) {
      Arguments.notNegative(cacheInterval, "cacheInterval");
      settings.requireUnset("cacheInterval", this.cacheInterval);
      this.cacheInterval = cacheInterval;
      return this;
    }

    /**
     * Sets the time source for cache ages and durations; meant for tests. The timeout itself is
     * real time, because it bounds how long a real probe waits.
     *
     * @param timeSource the time source
     * @return this builder
     * @throws NullPointerException if {@code timeSource} is null
     * @throws IllegalStateException if already set
     */
    public Builder timeSource(TimeSource timeSource) {
      Objects.requireNonNull(timeSource, "timeSource");
      settings.requireUnset("timeSource", this.timeSource);
      this.timeSource = timeSource;
      return this;
    }

    /**
     * Sets the executor that runs checks; by default the registry makes a cached pool of daemon
     * threads, shut down by {@link HealthRegistry#close()}. Since each check runs at most once at a
     * time, the pool holds at most one thread per check.
     *
     * @param executor the executor, owned by the caller
     * @return this builder
     * @throws NullPointerException if {@code executor} is null
     * @throws IllegalStateException if already set
     */
    public Builder executor(ExecutorService executor) {
      Objects.requireNonNull(executor, "executor");
      settings.requireUnset("executor", this.executor);
      this.executor = executor;
      return this;
    }

    /**
     * Registers the registry's gauges ({@code layerkit.health.ready},
     * {@code layerkit.health.check.status}); they read cached results only, so a scrape never
     * runs a check.
     *
     * @param meterRegistry the registry
     * @return this builder
     * @throws NullPointerException if {@code meterRegistry} is null
     * @throws IllegalStateException if already set
     */
    public Builder meterRegistry(MeterRegistry meterRegistry) {
      Objects.requireNonNull(meterRegistry, "meterRegistry");
      settings.requireUnset("meterRegistry", this.meterRegistry);
      this.meterRegistry = meterRegistry;
      return this;
    }

    /**
     * Sets the phase the registry starts in; default {@link Phase#SERVING}. {@link Lifecycle}
     * sets {@link Phase#STARTING} itself when it starts components.
     *
     * @param phase the initial phase
     * @return this builder
     * @throws NullPointerException if {@code phase} is null
     * @throws IllegalStateException if already set
     */
    public Builder initialPhase(Phase phase) {
      Objects.requireNonNull(phase, "phase");
      settings.requireUnset("initialPhase", this.initialPhase);
      this.initialPhase = phase;
      return this;
    }

    /**
     * Builds the registry.
     *
     * @return a new registry with no checks
     */
    public HealthRegistry build() {
      return new HealthRegistry(this);
    }
  }
}
