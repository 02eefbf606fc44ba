package dev.layerkit.gateway.lb;

import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.CoarseTimeSource;
import dev.layerkit.core.time.TimeSource;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The machinery every strategy shares: endpoint-set snapshots, outlier ejection, active health
 * checks, slow start, panic mode, metrics. A strategy supplies {@link #prepare} (precompute its
 * pick table for a snapshot) and {@link #choose} (pick from a snapshot's routable endpoints).
 *
 * <p>A <em>pick table</em> is what a strategy derives from the routable endpoints and their
 * weights once per snapshot, so that a pick does not: smooth weighted round robin's period of
 * indexes, the weighted random alias table, the consistent-hash node set. Strategies whose picks
 * read only counters (round robin's turn, the endpoints' requests in flight and latencies) have
 * none and declare {@code Void}. Per-endpoint state (requests in flight, latency, ejection) is
 * every strategy's, in {@link EndpointState}.
 *
 * <h2>Concurrency</h2>
 *
 * <p>All mutable per-endpoint state lives in {@link EndpointState} objects; the balancer publishes
 * an immutable {@link Snapshot} through the volatile {@link #snapshot} field. The hot path
 * ({@link #pick}, {@link #onComplete}, {@link #onCancel}) reads that field once and touches only
 * atomics of the chosen endpoint: no lock, no allocation.
 *
 * <p>Everything that changes the routable set (a new endpoint set, an ejection or its end, an
 * active-check transition, a slow-start step) runs under {@link #lock} and ends with
 * {@link #rebuild}, which recomputes the snapshot from the states and the current time and
 * publishes it. Changes driven by time alone (an ejection running out, a ramp stepping up) are
 * noticed lazily: a snapshot records when it next goes stale, and the first pick after that
 * moment rebuilds it with {@code tryLock} (if another thread holds the lock, the pick uses the
 * current snapshot, which is at most one step stale). No timer thread is needed, and tests move
 * time with a {@code ManualTimeSource}. Picks read the time source only while such a change is
 * pending; completions read it only for peak EWMA or failure-rate windows. With the system time
 * source both read a {@link CoarseTimeSource} lease instead, since a clock read in a virtual
 * machine costs more than the rest of the pick.
 *
 * <h2>Invariants</h2>
 *
 * <ul>
 *   <li>{@code states} holds exactly the endpoints of the last set from the source, by id; a state
 *       is reused while its id stays in the set.</li>
 *   <li>A snapshot's {@code routable} is the available endpoints (not ejected, healthy), or all
 *       endpoints in panic mode; it is empty only if the set is empty, or nothing is available and
 *       panic mode is off.</li>
 *   <li>An endpoint's outstanding count never goes below zero, and is zero once every pick of it
 *       has been completed or cancelled (see {@link EndpointState#release()}).</li>
 * </ul>
 *
 * @param <T> the strategy's pick table type, {@code Void} for a strategy without one
 */
abstract class AbstractLoadBalancer<T extends @Nullable Object> implements LoadBalancer {

  /** Slow start raises an endpoint's weight in this many steps. */
  static final int SLOW_START_STEPS = 10;

  final String serviceName;
  final TimeSource time;
  final Strategy strategy;
  private final @Nullable OutlierDetection outlier;
  private final long slowStartNanos;
  private final int slowStartMinPercent;
  private final double panicThreshold;
  private final boolean writableStackTrace;
  private final boolean tracksLatency;
  final double latencyDecayNanos;
  private final boolean needsTimeOnComplete;
  /**
   * The coarse clock's lease if the hot path reads it rather than the time source, held until
   * {@link #close()}; null otherwise.
   */
  private final @Nullable CoarseTimeSource coarseClock;
  private final long failureRateWindowNanos;
  private final EndpointSource source;
  private final @Nullable ActiveHealthCheck activeHealthCheck;
  private final ScheduledExecutorService scheduler;
  private final @Nullable MeterRegistry meterRegistry;

  private final ReentrantLock lock = new ReentrantLock();
  // Null only until start().
  private volatile Snapshot<T> snapshot;
  // Guarded by lock.
  private Map<String, EndpointState> states = new HashMap<>();
  private List<Endpoint> sourceEndpoints = List.of();
  private boolean initialized;
  private volatile boolean closed;

  private @Nullable LbMetrics metrics;
  private final boolean countPicks;
  private final HealthCheck healthCheck;
  private EndpointSource.@Nullable Subscription subscription;
  private @Nullable HealthProber prober;

  AbstractLoadBalancer(LoadBalancerBuilder b) {
    this.serviceName = b.serviceName;
    this.time = b.timeSource;
    this.strategy = b.strategy;
    this.outlier = b.outlierDetection;
    this.slowStartNanos = b.slowStart == null ? 0 : b.slowStart.toNanos();
    this.slowStartMinPercent = b.slowStartMinWeightPercent;
    this.panicThreshold = b.panicThreshold;
    this.writableStackTrace = b.writableStackTrace;
    this.tracksLatency = b.strategy == Strategy.PEAK_EWMA;
    this.latencyDecayNanos = b.latencyDecay.toNanos();
    this.failureRateWindowNanos = outlier == null ? 0 : outlier.failureRateWindow().toNanos();
    this.needsTimeOnComplete = tracksLatency || (outlier != null && outlier.failureRateThreshold() > 0);
    // The hot path reads time for completions (peak EWMA, failure rate) and, while an ejection
    // or a slow-start ramp is under way, for the due check of every pick.
    boolean hotPathReadsTime = needsTimeOnComplete || outlier != null || slowStartNanos > 0;
    this.source = b.endpointSource();
    this.activeHealthCheck = b.activeHealthCheck;
    this.scheduler = b.scheduler();
    this.meterRegistry = b.meterRegistry;
    this.countPicks = meterRegistry != null;
    this.healthCheck = HealthCheck.of("loadbalancer-" + serviceName, this::health);
    // Last, so that nothing above can fail with the lease taken (a dropped lease would be released
    // only once collected).
    this.coarseClock = time == TimeSource.system() && hotPathReadsTime ? CoarseTimeSource.acquire() : null;
  }

  /**
   * Subscribes to the source and starts health checks. Separate from the constructor because it
   * calls {@link #prepare}, which may read the subclass's fields.
   */
  final void start() {
    snapshot = emptySnapshot();
    try {
      if (meterRegistry != null) {
        metrics = new LbMetrics(meterRegistry, this);
      }
      subscription = source.subscribe(this::onEndpoints);
      if (activeHealthCheck != null) {
        HealthProber p = new HealthProber(this, activeHealthCheck, scheduler);
        lock.lock();
        try {
          prober = p;
        } finally {
          lock.unlock();
        }
        p.start();
      }
    } catch (RuntimeException e) {
      // For example a closed source, or a consistent-hash factory that rejects the endpoints:
      // release what was acquired so far.
      close();
      throw e;
    }
  }

  /**
   * Returns the strategy's pick table for a new snapshot (null for {@code Void}). Called under the
   * lock, also with an empty {@code routable}.
   *
   * @param routable the endpoints picks will choose from
   * @param weights their effective weights, index-aligned, divided by their gcd
   * @param uniform whether all weights are equal
   */
  abstract T prepare(EndpointState[] routable, int[] weights, boolean uniform);

  /**
   * Chooses one endpoint of {@code snapshot.routable}, which is not empty. Must not allocate or
   * lock.
   */
  abstract EndpointState choose(Snapshot<T> snapshot, RequestContext context);

  /**
   * Chooses an endpoint of {@code snapshot.routable} other than {@code avoided}, which the
   * strategy chose and which is not the only one: the strategy's next choice if one of two more
   * differs (a random strategy's usually does), else another endpoint: one derived from the key
   * for a request with a key (so that a key always fails over to the same endpoint, and the keys
   * of one endpoint spread over the others), a random one otherwise. Must not allocate or lock.
   */
  EndpointState chooseOther(Snapshot<T> snapshot, RequestContext context,
      EndpointState avoided) {
    if (!context.hasKey()) {
      for (int again = 0; again < 2; again++) {
        EndpointState chosen = choose(snapshot, context);
        if (chosen != avoided) {
          return chosen;
        }
      }
    }
    EndpointState[] routable = snapshot.routable;
    int n = routable.length;
    int at = 0;
    while (at < n && routable[at] != avoided) {
      at++;
    }
    int step = 1 + (context.hasKey()
        ? Math.floorMod(Long.hashCode(context.keyHash() * 0x9E3779B97F4A7C15L), n - 1)
        : ThreadLocalRandom.current().nextInt(n - 1));
    return routable[(at + step) % n];
  }

  // ---- hot path ----

  @Override
  public final Endpoint pick(RequestContext context) {
    return pick(context, null);
  }

  @Override
  public final Endpoint pick(RequestContext context, @Nullable Endpoint avoid) {
    Objects.requireNonNull(context, "context");
    Snapshot<T> s = snapshot;
    if (s.timed && fastNanoTime() - s.nextChange >= 0) {
      s = refreshIfDue(false);
    }
    if (s.routable.length == 0) {
      throw unavailable(s);
    }
    EndpointState chosen = choose(s, context);
    if (avoid != null && s.routable.length > 1 && chosen.endpoint.equals(avoid)) {
      chosen = chooseOther(s, context, chosen);
    }
    chosen.acquire();
    if (countPicks) {
      chosen.picks.increment();
    }
    return chosen.endpoint;
  }

  @Override
  public final void onComplete(Endpoint endpoint, long latencyNanos, boolean success) {
    Objects.requireNonNull(endpoint, "endpoint");
    Arguments.notNegative(latencyNanos, "latencyNanos");
    EndpointState state = snapshot.find(endpoint.id());
    if (state == null) {
      return;
    }
    state.release();
    long now = needsTimeOnComplete ? fastNanoTime() : 0L;
    if (tracksLatency) {
      state.observeLatency(latencyNanos, now, latencyDecayNanos);
    }
    if (outlier != null) {
      recordOutcome(outlier, state, success, now);
    }
  }

  @Override
  public final void onCancel(Endpoint endpoint) {
    Objects.requireNonNull(endpoint, "endpoint");
    EndpointState state = snapshot.find(endpoint.id());
    if (state != null) {
      state.release();
    }
  }

  /**
   * Returns the time for the hot path: the {@link CoarseTimeSource} with the system time source,
   * which may lag by a millisecond (the due check then waits that much longer; real time is read
   * again under the lock), else the time source itself.
   */
  private long fastNanoTime() {
    CoarseTimeSource coarse = coarseClock;
    return coarse != null ? coarse.nanoTime() : time.nanoTime();
  }

  /** Returns the coarse clock's lease if the hot path uses one, else null; for tests. */
  final @Nullable CoarseTimeSource coarseClock() {
    return coarseClock;
  }

  private void recordOutcome(OutlierDetection od, EndpointState state, boolean success, long now) {
    int consecutive = od.consecutiveFailures();
    if (consecutive > 0) {
      if (success) {
        state.recordSuccess();
      } else if (state.recordFailure() >= consecutive) {
        tryEject(state, od);
      }
    }
    double threshold = od.failureRateThreshold();
    if (threshold > 0
        && state.recordInWindow(success, now, failureRateWindowNanos, od.failureRateMinimumRequests(), threshold)) {
      tryEject(state, od);
    }
  }

  // ---- state changes, under the lock ----

  private void onEndpoints(List<Endpoint> endpoints) {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      long now = time.nanoTime();
      Map<String, EndpointState> next = new HashMap<>(endpoints.size() * 2);
      for (Endpoint endpoint : endpoints) {
        EndpointState state = states.get(endpoint.id());
        if (state == null) {
          state = new EndpointState(endpoint, now);
          if (initialized) {
            startRamp(state, now);
          }
          if (metrics != null) {
            metrics.add(state);
          }
        } else {
          state.endpoint = endpoint;
        }
        next.put(endpoint.id(), state);
      }
      if (metrics != null) {
        for (EndpointState old : states.values()) {
          if (next.get(old.id) != old) {
            metrics.remove(old);
          }
        }
      }
      states = next;
      sourceEndpoints = endpoints;
      initialized = true;
      rebuild(now);
    } finally {
      lock.unlock();
    }
  }

  private void tryEject(EndpointState state, OutlierDetection od) {
    lock.lock();
    try {
      if (closed || states.get(state.id) != state) {
        return;
      }
      long now = time.nanoTime();
      // Ejections end lazily, so the endpoint may still be marked ejected though its time is up.
      expireEjections(now);
      int ejectedNow = 0;
      for (EndpointState s : states.values()) {
        if (s.ejected) {
          ejectedNow++;
        }
      }
      // Whether ejected or not, the endpoint's counts start afresh: at the limit, the next
      // attempt comes only after a fresh run of failures, not on every failure.
      state.resetOutcomes(now);
      // An ejected endpoint still fails when panic mode routes to it; that does not extend its
      // ejection.
      if (state.ejected || ejectedNow >= od.maxEjected(states.size())) {
        return;
      }
      if (state.ejectionMultiplier > 0) {
        long stayedIn = Math.max(0L, now - state.multiplierSince);
        long periods = stayedIn / od.baseEjectionTime().toNanos();
        state.ejectionMultiplier = (int) Math.max(0L, state.ejectionMultiplier - periods);
      }
      state.ejectionMultiplier++;
      state.ejectedUntil = now + od.ejectionNanos(state.ejectionMultiplier);
      state.ejected = true;
      state.ramping = false;
      state.timesEjected++;
      state.ejections++;
      rebuild(now);
    } finally {
      lock.unlock();
    }
  }

  /** Records one active probe result; called by the probe that owns {@code state.probing}. */
  final void onProbe(EndpointState state, boolean passed, ActiveHealthCheck check) {
    boolean transition;
    if (passed) {
      state.probeFailures = 0;
      transition = !state.healthy && ++state.probeSuccesses >= check.healthyThreshold();
    } else {
      state.probeSuccesses = 0;
      transition = state.healthy && ++state.probeFailures >= check.unhealthyThreshold();
    }
    if (!transition) {
      return;
    }
    lock.lock();
    try {
      if (closed || states.get(state.id) != state) {
        return;
      }
      long now = time.nanoTime();
      state.probeSuccesses = 0;
      state.probeFailures = 0;
      state.healthy = passed;
      if (passed) {
        startRamp(state, now);
      } else {
        state.ramping = false;
      }
      rebuild(now);
    } finally {
      lock.unlock();
    }
  }

  private Snapshot<T> refreshIfDue(boolean wait) {
    if (wait) {
      lock.lock();
    } else if (!lock.tryLock()) {
      return snapshot;
    }
    try {
      Snapshot<T> s = snapshot;
      long now = time.nanoTime();
      if (!closed && s.timed && now - s.nextChange >= 0) {
        rebuild(now);
      }
      return snapshot;
    } finally {
      lock.unlock();
    }
  }

  private void expireEjections(long now) {
    for (EndpointState state : states.values()) {
      if (state.ejected && now - state.ejectedUntil >= 0) {
        state.ejected = false;
        // The multiplier decays from the moment the endpoint was due back.
        state.multiplierSince = state.ejectedUntil;
        state.resetOutcomes(now);
        if (state.healthy) {
          startRamp(state, state.ejectedUntil);
        }
      }
    }
  }

  private void startRamp(EndpointState state, long now) {
    if (slowStartNanos > 0) {
      state.rampStart = now;
      state.ramping = true;
    }
  }

  /** Recomputes and publishes the snapshot. Caller holds the lock. */
  private void rebuild(long now) {
    expireEjections(now);
    List<Endpoint> endpoints = sourceEndpoints;
    int n = endpoints.size();
    EndpointState[] all = new EndpointState[n];
    List<EndpointState> available = new ArrayList<>(n);
    int ejected = 0;
    int unhealthy = 0;
    boolean timed = false;
    long nextChange = 0;
    for (int i = 0; i < n; i++) {
      EndpointState state = states.get(endpoints.get(i).id());
      all[i] = state;
      if (state.ejected) {
        ejected++;
        if (!timed || state.ejectedUntil - nextChange < 0) {
          nextChange = state.ejectedUntil;
          timed = true;
        }
      }
      if (!state.healthy) {
        unhealthy++;
      }
      if (state.ramping && now - state.rampStart >= slowStartNanos) {
        state.ramping = false;
      }
      if (state.ramping) {
        long step = Math.max(1L, slowStartNanos / SLOW_START_STEPS);
        long elapsed = now - state.rampStart;
        long due = Math.min(state.rampStart + (elapsed / step + 1) * step, state.rampStart + slowStartNanos);
        if (!timed || due - nextChange < 0) {
          nextChange = due;
          timed = true;
        }
      }
      if (!state.ejected && state.healthy) {
        available.add(state);
      }
    }
    boolean panic = n > 0 && panicThreshold > 0 && available.size() * 100.0 < panicThreshold * n;
    EndpointState[] routable = panic ? all : available.toArray(new EndpointState[0]);
    int[] weights = effectiveWeights(routable, now);
    T table = prepare(routable, weights, Snapshot.isUniform(weights));
    snapshot = new Snapshot<>(endpoints, all, routable, weights, panic, available.size(), ejected, unhealthy, timed,
        nextChange, table);
  }

  private int[] effectiveWeights(EndpointState[] routable, long now) {
    int[] weights = new int[routable.length];
    boolean anyRamp = false;
    for (EndpointState state : routable) {
      anyRamp |= state.ramping;
    }
    int gcd = 0;
    for (int i = 0; i < routable.length; i++) {
      EndpointState state = routable[i];
      int weight = state.endpoint.weight();
      if (anyRamp) {
        // In percent of the full weight; MAX_WEIGHT * 100 still fits an int.
        weight *= state.ramping ? rampPercent(state, now) : 100;
      }
      weights[i] = weight;
      gcd = gcd(gcd, weight);
    }
    if (gcd > 1) {
      for (int i = 0; i < weights.length; i++) {
        weights[i] /= gcd;
      }
    }
    return weights;
  }

  private int rampPercent(EndpointState state, long now) {
    long elapsed = Math.max(0L, now - state.rampStart);
    long percent = elapsed >= slowStartNanos ? 100 : elapsed * 100 / slowStartNanos;
    return (int) Math.max(slowStartMinPercent, Math.min(100, percent));
  }

  private static int gcd(int a, int b) {
    while (b != 0) {
      int t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  private Snapshot<T> emptySnapshot() {
    return new Snapshot<>(List.of(), new EndpointState[0], new EndpointState[0], new int[0], false, 0, 0, 0, false, 0,
        prepare(new EndpointState[0], new int[0], true));
  }

  // ---- failure ----

  private RuntimeException unavailable(Snapshot<T> s) {
    if (closed) {
      return new IllegalStateException("load balancer for service '" + serviceName + "' is closed");
    }
    return NoAvailableEndpointException.of(serviceName, s.all.length, s.ejected, s.unhealthy, writableStackTrace);
  }

  // ---- diagnostics ----

  /** Returns the current snapshot after applying any change that time has made due. */
  final Snapshot<T> currentSnapshot() {
    Snapshot<T> s = snapshot;
    return s.timed && time.nanoTime() - s.nextChange >= 0 ? refreshIfDue(true) : s;
  }

  @Override
  public final String serviceName() {
    return serviceName;
  }

  @Override
  public final List<Endpoint> endpoints() {
    return snapshot.endpoints;
  }

  @Override
  public final List<Endpoint> availableEndpoints() {
    Snapshot<T> s = currentSnapshot();
    List<Endpoint> result = new ArrayList<>(s.routable.length);
    for (EndpointState state : s.routable) {
      result.add(state.endpoint);
    }
    return List.copyOf(result);
  }

  @Override
  public final EndpointStatus status(Endpoint endpoint) {
    Objects.requireNonNull(endpoint, "endpoint");
    Snapshot<T> s = currentSnapshot();
    EndpointState state = s.find(endpoint.id());
    if (state == null) {
      throw new IllegalArgumentException("endpoint '" + endpoint.id() + "' is not in the set of service '"
          + serviceName + "': " + s.endpoints);
    }
    long now = time.nanoTime();
    boolean ejected = state.ejected;
    Duration ejectedFor = ejected ? Duration.ofNanos(Math.max(0L, state.ejectedUntil - now)) : Duration.ZERO;
    int weightPercent = state.ramping ? rampPercent(state, now) : 100;
    double latency = tracksLatency ? state.decayedLatency(now, latencyDecayNanos) : 0;
    return new EndpointStatus(state.endpoint, state.outstanding(), ejected, ejectedFor, state.timesEjected,
        state.healthy, weightPercent, latency);
  }

  /**
   * Returns the snapshot for a metrics scrape: like {@link #currentSnapshot()}, but never waits for
   * the lock, so a scrape cannot block behind (or deadlock with) an update that removes meters.
   */
  final Snapshot<T> snapshotForMetrics() {
    Snapshot<T> s = snapshot;
    return s.timed && fastNanoTime() - s.nextChange >= 0 ? refreshIfDue(false) : s;
  }

  @Override
  public final HealthCheck healthCheck() {
    return healthCheck;
  }

  private Health health() {
    Snapshot<T> s = currentSnapshot();
    int total = s.all.length;
    Health.Builder health;
    if (closed) {
      health = Health.down("closed");
    } else if (total == 0) {
      health = Health.down("service '" + serviceName + "' has no endpoints");
    } else if (s.available == 0) {
      health = Health.down("no endpoint of service '" + serviceName + "' is healthy");
    } else if (s.available < total) {
      health = Health.degraded((total - s.available) + " of " + total + " endpoints of service '" + serviceName
          + "' are unavailable");
    } else {
      health = Health.status(HealthStatus.UP);
    }
    return health.detail("service", serviceName)
        .detail("strategy", strategy.factoryName)
        .detail("endpoints", total)
        .detail("available", s.available)
        .detail("ejected", s.ejected)
        .detail("unhealthy", s.unhealthy)
        .detail("panic", s.panic)
        .build();
  }

  // ---- lifecycle ----

  @Override
  public final void close() {
    EndpointSource.Subscription sub;
    HealthProber probe;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      sub = subscription;
      probe = prober;
      snapshot = emptySnapshot();
      if (metrics != null) {
        metrics.close();
      }
    } finally {
      lock.unlock();
    }
    // Outside the lock: the source holds its own lock while it calls our listener, which takes
    // ours, so unsubscribing under ours could deadlock with an update.
    if (sub != null) {
      sub.close();
    }
    if (probe != null) {
      probe.close();
    }
    CoarseTimeSource coarse = coarseClock;
    if (coarse != null) {
      coarse.close();
    }
  }

  final boolean isClosed() {
    return closed;
  }

  @Override
  public String toString() {
    Snapshot<T> s = snapshot;
    return "LoadBalancers." + strategy.factoryName + "(){service=" + serviceName + ", endpoints=" + s.all.length
        + ", available=" + s.available + (s.panic ? ", panic" : "") + '}';
  }
}
