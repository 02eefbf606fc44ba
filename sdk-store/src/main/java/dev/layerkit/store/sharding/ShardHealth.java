package dev.layerkit.store.sharding;

import dev.layerkit.core.codec.CodecException;
import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.core.internal.CoarseTimeSource;
import dev.layerkit.core.resilience.ResiliencePolicy;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.store.OptimisticLockException;
import dev.layerkit.store.Repository;
import dev.layerkit.store.ScatterQueryRejectedException;
import dev.layerkit.store.ShardUnavailableException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shard health: every call to a shard goes through here, guarded by the shard's circuit breaker,
 * and here the per-shard health checks are made.
 *
 * <p><b>The breaker.</b> Each shard has a Resilience4j circuit breaker built by core's
 * {@link ResiliencePolicy} (named {@code <repository>-shard-<n>}) and configured so that one
 * failure opens it: a count-based window of one call, a failure-rate threshold of 100 %,
 * {@code waitDurationInOpenState} = {@link ShardedRepositoryBuilder#unavailableFor} (at least
 * 1 ms, Resilience4j's unit) measured on the repository's {@link TimeSource}, and one trial call
 * when half-open. So a shard whose call fails is down at once; while it is open, its calls fail with
 * {@link ShardUnavailableException} without reaching the backend; after the wait the next call is
 * the trial, which closes the breaker or opens it again. Caller errors (an optimistic lock
 * conflict, bad arguments, a codec failure, ...) are not recorded as failures: the shard answered.
 * With {@code unavailableFor} zero a shard has no breaker and every call is tried.
 *
 * <p>The breaker is driven through its permission API ({@code tryAcquirePermission},
 * {@code onSuccess}, {@code onError}) rather than {@link ResiliencePolicy#execute}: the operation
 * and its argument are passed separately so that the hot {@code findById} path captures no lambda,
 * and a scatter query that gives up on a slow shard records that as the shard's failure while the
 * call itself is still running. Through a closed breaker and without meters, only failures and
 * successes slower than its slow-call threshold are recorded (the others change nothing with a
 * window of one call), timed on the coarse clock: see {@code callClosed}. {@link #findById} is
 * that path with the shard's {@code findById} called directly rather than through an operation
 * argument: see its comment.
 *
 * <p><b>Replicas.</b> A read goes to a replica only while the breaker is closed (so a half-open
 * trial always tests the primary); a failing replica read is retried on the primary and does not
 * count against the breaker, which guards the primary.
 *
 * <p><b>Concurrency.</b> Thread-safe: the breaker is Resilience4j's lock-free state machine; the
 * last failure and last write time are volatile or atomic fields of the {@link Shard}.
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
final class ShardHealth<ID, T> {

  private static final Logger LOG = LoggerFactory.getLogger(ShardHealth.class);

  private final String name;
  private final TimeSource time;
  /** Times calls through a closed breaker: the coarse clock for the system one (a lease held for life). */
  private final TimeSource durations;
  private final long readYourWritesNanos;
  private final Duration unavailableFor;
  private final @Nullable MeterRegistry meterRegistry;
  private final @Nullable Counter shardFailures;
  private final AtomicInteger shardsMade = new AtomicInteger();

  ShardHealth(String name, TimeSource time, Duration readYourWritesWindow, Duration unavailableFor,
      @Nullable MeterRegistry meterRegistry) {
    this.name = name;
    this.time = time;
    // Only to tell a slow call (a minute) from a fast one: a coarse reading does.
    this.durations = time == TimeSource.system() ? CoarseTimeSource.acquire() : time;
    this.readYourWritesNanos = readYourWritesWindow.toNanos();
    this.unavailableFor = unavailableFor;
    this.meterRegistry = meterRegistry;
    this.shardFailures = meterRegistry == null ? null : Counter.builder("layerkit.store.shard.failures")
        .tag("name", name).description("shard calls that failed and opened the shard's circuit breaker")
        .register(meterRegistry);
  }

  /**
   * Makes a shard with its breaker. Shards are numbered in the order they are made: the initial
   * shards get their index, shards first named by a rebalance the numbers after them.
   */
  Shard<ID, T> newShard(Repository<ID, T> primary, List<? extends Repository<ID, T>> replicas) {
    int number = shardsMade.getAndIncrement();
    if (unavailableFor.isZero()) {
      return new Shard<>(primary, List.copyOf(replicas), null);
    }
    Duration wait = unavailableFor.compareTo(Duration.ofMillis(1)) < 0 ? Duration.ofMillis(1) : unavailableFor;
    ResiliencePolicy.Builder policy = ResiliencePolicy.builder(name + "-shard-" + number)
        .failureRateThreshold(100)
        .slidingWindowSize(1)
        .minimumNumberOfCalls(1)
        .permittedNumberOfCallsInHalfOpenState(1)
        .waitDurationInOpenState(wait)
        .recordOn(failure -> !(failure instanceof RuntimeException e && isCallerError(e)))
        .timeSource(time);
    if (meterRegistry != null) {
      policy.meterRegistry(meterRegistry);
    }
    CircuitBreaker breaker = policy.build().circuitBreaker().orElseThrow();
    return new Shard<>(primary, List.copyOf(replicas), breaker);
  }

  /** Whether a failure is the caller's (the shard answered), which neither trips nor is wrapped. */
  static boolean isCallerError(RuntimeException e) {
    return e instanceof OptimisticLockException || e instanceof IllegalArgumentException
        || e instanceof NullPointerException || e instanceof IllegalStateException
        || e instanceof CodecException || e instanceof UnsupportedOperationException
        || e instanceof ScatterQueryRejectedException || e instanceof ClassCastException;
  }

  /** Runs {@code op} on {@code target}, a member of {@code shard}, as the five-argument form does. */
  <R> R call(int index, Shard<ID, T> shard, Repository<ID, T> target, Function<Repository<ID, T>, R> op) {
    return call(index, shard, target, (repository, function) -> function.apply(repository), op);
  }

  /**
   * Runs {@code op(target, argument)} through the shard's breaker.
   *
   * @throws ShardUnavailableException if the breaker is open, or the call failed (and opened it)
   * @throws RuntimeException a caller error from the shard, unchanged
   */
  <A, R> R call(int index, Shard<ID, T> shard, Repository<ID, T> target,
      BiFunction<Repository<ID, T>, A, R> op, A argument) {
    if (target != shard.primary) {
      try {
        return op.apply(target, argument);
      } catch (RuntimeException e) {
        if (isCallerError(e)) {
          throw e;
        }
        LOG.debug("replica {} of shard {} failed, reading the primary: {}", target.name(), index, e.toString());
        return call(index, shard, shard.primary, op, argument);
      }
    }
    CircuitBreaker breaker = shard.breaker;
    if (breaker == null) {
      try {
        return op.apply(target, argument);
      } catch (RuntimeException e) {
        throw shardFailure(index, shard, e);
      }
    }
    if (meterRegistry == null && breaker.getState() == CircuitBreaker.State.CLOSED) {
      return callClosed(index, shard, breaker, target, op, argument);
    }
    if (!breaker.tryAcquirePermission()) {
      throw unavailable(index, shard);
    }
    long start = breaker.getCurrentTimestamp();
    try {
      R result = op.apply(target, argument);
      breaker.onSuccess(breaker.getCurrentTimestamp() - start, breaker.getTimestampUnit());
      return result;
    } catch (RuntimeException | Error e) {
      breaker.onError(breaker.getCurrentTimestamp() - start, breaker.getTimestampUnit(), e);
      if (e instanceof Error error) {
        throw error;
      }
      throw shardFailure(index, shard, (RuntimeException) e);
    }
  }

  /** What a failed primary call throws: a caller error unchanged, else the shard named as down. */
  private RuntimeException shardFailure(int index, Shard<ID, T> shard, RuntimeException e) {
    if (isCallerError(e) || e instanceof ShardUnavailableException) {
      return e;
    }
    shard.lastFailure = e;
    if (shardFailures != null) {
      shardFailures.increment();
    }
    LOG.warn("repository {}: shard {} ({}) failed and is marked down for {}: {}", name, index,
        shard.primary.name(), unavailableFor, e.toString());
    return ShardUnavailableException.of(index, shard.primary.name(),
        e.getMessage() == null ? e.toString() : e.getMessage(), e);
  }

  /** Records that a shard did not answer a scatter query in time, which opens its breaker. */
  ShardUnavailableException recordTimeout(int index, Shard<ID, T> shard, Duration scatterTimeout) {
    ShardUnavailableException slow = ShardUnavailableException.of(index, shard.primary.name(),
        "no answer within the scatter timeout of " + scatterTimeout, null);
    shard.lastFailure = slow;
    CircuitBreaker breaker = shard.breaker;
    if (breaker != null) {
      breaker.onError(scatterTimeout.toNanos(), TimeUnit.NANOSECONDS, slow);
    }
    if (shardFailures != null) {
      shardFailures.increment();
    }
    LOG.warn("repository {}: shard {} ({}) did not answer within {} and is marked down", name, index,
        shard.primary.name(), scatterTimeout);
    return slow;
  }

  /**
   * Whether a call to the shard would be let through now. An open breaker whose wait is over
   * moves to half-open here, as a call would move it; the permission taken to find out is given
   * back.
   */
  boolean permitsCalls(Shard<ID, T> shard) {
    CircuitBreaker breaker = shard.breaker;
    if (breaker == null || breaker.getState() == CircuitBreaker.State.CLOSED) {
      return true;
    }
    if (breaker.tryAcquirePermission()) {
      breaker.releasePermission();
      return true;
    }
    return false;
  }

  /**
   * {@link #call} through a closed breaker without meters: what the breaker needs to know of a
   * call, at what it costs. A closed breaker grants every permission without counting it; with a
   * window of one call and a 100 % threshold, a recorded success changes nothing unless it was
   * slow (over {@link Shard#slowCallNanos}), so only failures and slow successes are recorded, on
   * the coarse clock. The general path spends two clock reads and a locked window update on every
   * call, about 60 ns of a 400 ns in-memory lookup ({@code benchmarks/README.md}); with meters it
   * stays, since they count every call. A breaker that another thread opens meanwhile lets this
   * one call through, as a permission taken just before it opened would have.
   */
  private <A, R> R callClosed(int index, Shard<ID, T> shard, CircuitBreaker breaker, Repository<ID, T> target,
      BiFunction<Repository<ID, T>, A, R> op, A argument) {
    long start = durations.nanoTime();
    R result;
    try {
      result = op.apply(target, argument);
    } catch (RuntimeException | Error e) {
      throw closedCallFailed(index, shard, breaker, start, e);
    }
    closedCallSucceeded(shard, breaker, start);
    return result;
  }

  /**
   * Reads an id from a shard member: {@link #call} with {@code Repository::findById}, in the same
   * order and with the same outcomes, but calling {@code target.findById} itself on the common
   * path (the primary through a closed breaker without meters).
   *
   * <p>Why a method of its own: {@link #call} takes the operation as an argument, so its one call
   * site of {@code op.apply} sees every operation a repository runs (reads, saves, inserts,
   * deletes, scans). Once it has seen more than two, the JIT compiles that site as a virtual call
   * that it cannot inline through, so the shard's own {@code findById} was not inlined into the
   * routed read; and even a benchmark that only reads had its profile polluted by the inserts
   * that filled it (its {@code call} was compiled with {@code insertIfAbsent} and the JSON
   * encoder inlined, too big to inline into {@code findById}, and without the shard's
   * {@code findById}). Here the call site sees only {@code findById} of the shard backends.
   *
   * @throws ShardUnavailableException if the breaker is open, or the call failed (and opened it)
   * @throws RuntimeException a caller error from the shard, unchanged
   */
  Optional<T> findById(int index, Shard<ID, T> shard, Repository<ID, T> target, ID id) {
    CircuitBreaker breaker = shard.breaker;
    if (target != shard.primary || breaker == null || meterRegistry != null
        || breaker.getState() != CircuitBreaker.State.CLOSED) {
      return call(index, shard, target, Repository::findById, id);
    }
    long start = durations.nanoTime();
    Optional<T> found;
    try {
      found = target.findById(id);
    } catch (RuntimeException | Error e) {
      throw closedCallFailed(index, shard, breaker, start, e);
    }
    closedCallSucceeded(shard, breaker, start);
    return found;
  }

  /** After a call through a closed breaker succeeded: records it only if it was slow. */
  private void closedCallSucceeded(Shard<ID, T> shard, CircuitBreaker breaker, long start) {
    long took = durations.nanoTime() - start;
    if (took > shard.slowCallNanos) {
      breaker.onSuccess(took, TimeUnit.NANOSECONDS);
    }
  }

  /**
   * After a call through a closed breaker failed: records the failure, then rethrows an
   * {@link Error} or returns what to throw for an exception ({@link #shardFailure}).
   */
  private RuntimeException closedCallFailed(int index, Shard<ID, T> shard, CircuitBreaker breaker, long start,
      Throwable e) {
    breaker.onError(Math.max(0, durations.nanoTime() - start), TimeUnit.NANOSECONDS, e);
    if (e instanceof Error error) {
      throw error;
    }
    return shardFailure(index, shard, (RuntimeException) e);
  }

  ShardUnavailableException unavailable(int index, Shard<ID, T> shard) {
    RuntimeException cause = shard.lastFailure;
    return ShardUnavailableException.of(index, shard.primary.name(),
        "marked down after a failure: " + (cause == null ? "unknown" : cause.getMessage()), cause);
  }

  /** Where a read may go: a replica in turn, unless consistency, a recent write or the breaker say the primary. */
  Repository<ID, T> readTarget(Shard<ID, T> shard, ReadConsistency consistency) {
    List<Repository<ID, T>> replicas = shard.replicas;
    if (replicas.isEmpty() || consistency == ReadConsistency.READ_YOUR_WRITES) {
      return shard.primary;
    }
    CircuitBreaker breaker = shard.breaker;
    if (breaker != null && breaker.getState() != CircuitBreaker.State.CLOSED) {
      return shard.primary;
    }
    long last = shard.lastWrite.get();
    if (last != Shard.NEVER && time.nanoTime() - last < readYourWritesNanos) {
      return shard.primary;
    }
    return replicas.get((shard.nextReplica.getAndIncrement() & 0x7fffffff) % replicas.size());
  }

  /** Starts the shard's read-your-writes window: its reads go to the primary for a while. */
  void recordWrite(Shard<ID, T> shard) {
    if (!shard.replicas.isEmpty()) {
      shard.lastWrite.set(time.nanoTime());
    }
  }

  /** One check per shard of a topology, named {@code <name>-shard-<index>}. */
  List<HealthCheck> healthChecks(Topology<ID, T> topology) {
    List<HealthCheck> checks = new ArrayList<>();
    for (int i = 0; i < topology.size(); i++) {
      int index = i;
      Shard<ID, T> shard = topology.get(i);
      checks.add(HealthCheck.of(name + "-shard-" + i, () -> checkShard(index, shard)));
    }
    return checks;
  }

  private Health checkShard(int index, Shard<ID, T> shard) {
    if (!permitsCalls(shard)) {
      RuntimeException cause = shard.lastFailure;
      return (cause == null ? Health.down("marked down") : Health.down(cause))
          .detail("shard", index).detail("repository", shard.primary.name()).build();
    }
    HealthStatus status = shard.primary.healthCheck().check().status();
    int replicasDown = 0;
    for (Repository<ID, T> replica : shard.replicas) {
      if (replica.healthCheck().check().status() != HealthStatus.UP) {
        replicasDown++;
      }
    }
    if (status == HealthStatus.UP && replicasDown > 0) {
      status = HealthStatus.DEGRADED;
    }
    return Health.status(status).detail("shard", index).detail("repository", shard.primary.name())
        .detail("replicas", shard.replicas.size()).detail("replicasNotUp", replicasDown).build();
  }

  /** The worst of the shards' checks, named after the repository. */
  HealthCheck healthCheck(Supplier<Topology<ID, T>> topology) {
    return HealthCheck.of(name, () -> {
      HealthStatus worst = HealthStatus.UP;
      List<String> notUp = new ArrayList<>();
      Topology<ID, T> now = topology.get();
      for (HealthCheck check : healthChecks(now)) {
        HealthStatus status = check.check().status();
        worst = worst.and(status);
        if (status != HealthStatus.UP) {
          notUp.add(check.name() + "=" + status);
        }
      }
      return Health.status(worst).detail("shards", now.size()).detail("notUp", notUp).build();
    });
  }
}
