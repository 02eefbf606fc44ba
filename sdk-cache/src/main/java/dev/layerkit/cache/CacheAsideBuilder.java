package dev.layerkit.cache;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.internal.CoarseTimeSource;
import dev.layerkit.core.time.Sleeper;
import dev.layerkit.core.time.TimeSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Configures a {@link CacheAside}. Setters validate at once and name the bad value; each may be
 * given once. Not thread-safe; the facade it builds is.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class CacheAsideBuilder<K, V> {
  private final BuilderSettings settings = new BuilderSettings();
  final CacheBuilder<K, V> backend;
  @Nullable String name;
  Duration ttl = CacheAside.DEFAULT_TTL;
  Duration negativeTtl = CacheAside.DEFAULT_NEGATIVE_TTL;
  double jitterPercent = CacheAside.DEFAULT_TTL_JITTER_PERCENT;
  Duration staleWhileRevalidate = CacheAside.DEFAULT_STALE_WHILE_REVALIDATE;
  double beta = CacheAside.DEFAULT_EARLY_REFRESH_BETA;
  TimeSource timeSource = TimeSource.system();
  @Nullable RandomGenerator random;
  Executor refreshExecutor = ForkJoinPool.commonPool();
  @Nullable MeterRegistry meterRegistry;
  ObservationRegistry observationRegistry = ObservationRegistry.NOOP;
  @Nullable LoadLock loadLock;
  @Nullable KeyCodec<K> lockKeyCodec;
  Duration leaseTime = Duration.ofSeconds(10);
  Duration lockWait = Duration.ofSeconds(1);
  Sleeper sleeper = Sleeper.system();

  CacheAsideBuilder(CacheBuilder<K, V> backend) {
    this.backend = backend;
  }

  /**
   * Sets the name in metrics and logs; the backend's name by default.
   *
   * @param name the name
   * @return this builder
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is blank
   * @throws IllegalStateException if already set
   */
  public CacheAsideBuilder<K, V> name(String name) {
    Arguments.notBlank(name, "name");
    settings.requireUnset("name", this.name);
    this.name = name;
    return this;
  }

  /**
   * Sets how long a loaded value is fresh; {@link CacheAside#DEFAULT_TTL} by default.
   *
   * @param ttl the time to live, at least 1 ms
   * @return this builder
   * @throws NullPointerException if {@code ttl} is null
   * @throws IllegalArgumentException if {@code ttl} is shorter than 1 ms
   * @throws IllegalStateException if already set
   */
  public CacheAsideBuilder<K, V> ttl(Duration ttl) {
    Arguments.atLeastOneMilli(ttl, "ttl");
    settings.requireUnset("ttl", this.ttl);
    this.ttl = ttl;
    return this;
  }

  /**
   * Sets how long an absent value (null or empty {@code Optional}) is cached;
   * {@link CacheAside#DEFAULT_NEGATIVE_TTL} by default, zero to not cache absent values.
   *
   * @param negativeTtl the time to live of absent values
   * @return this builder
   * @throws NullPointerException if {@code negativeTtl} is null
   * @throws IllegalArgumentException if it is negative
   * @throws IllegalStateException if already set
   */
  public CacheAsideBuilder<K, V> negativeTtl(Duration negativeTtl) {
    Arguments.notNegative(negativeTtl, "negativeTtl");
    settings.requireUnset("negativeTtl", this.negativeTtl);
    this.negativeTtl = negativeTtl;
    return this;
  }

  /**
   * Shortens each entry's TTL by a random share of up to {@code percent} percent, so that keys
   * loaded together expire apart. None by default.
   *
   * @param percent the largest share, in [0, 100)
   * @return this builder
   * @throws IllegalArgumentException if {@code percent} is outside [0, 100) or not a number
   * @throws IllegalStateException if already set
   */
  public CacheAsideBuilder<K, V> ttlJitterPercent(double percent) {
    if (!(percent >= 0 && percent < 100)) {
      throw new IllegalArgumentException("ttlJitterPercent must be in [0, 100) but was " + percent);
    }
    settings.requireUnset("ttlJitterPercent", this.jitterPercent);
    this.jitterPercent = percent;
    return this;
  }

  /**
   * Serves an entry for up to {@code window} past its TTL while one background refresh runs.
   * Off (zero) by default. Entries then live in the backend for TTL plus window, so every
   * instance sharing a remote cache must use the same window (an instance without one would take
   * a stale entry for a fresh one).
   *
   * @param window the longest staleness served
   * @return this builder
   * @throws NullPointerException if {@code window} is null
   * @throws IllegalArgumentException if it is negative
   * @throws IllegalStateException if already set
   */
  public CacheAsideBuilder<K, V> staleWhileRevalidate(Duration window) {
    Arguments.notNegative(window, "staleWhileRevalidate");
    settings.requireUnset("staleWhileRevalidate", this.staleWhileRevalidate);
    this.staleWhileRevalidate = window;
    return this;
  }

  /**
   * Turns on probabilistic early refresh (XFetch) with parameter {@code beta}: 1 is the paper's
   * optimum, more refreshes earlier, 0 (the default) turns it off.
   *
   * @param beta the XFetch beta, finite and {@code >= 0}
   * @return this builder
   * @throws IllegalArgumentException if {@code beta} is negative, infinite or not a number
   * @throws IllegalStateException if already set
   */
  public CacheAsideBuilder<K, V> earlyRefreshBeta(double beta) {
    if (!(beta >= 0 && beta < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("earlyRefreshBeta must be finite and >= 0 but was " + beta);
    }
    settings.requireUnset("earlyRefreshBeta", this.beta);
    this.beta = beta;
    return this;
  }

  /**
   * Sets the time source of freshness and load timing; meant for tests with a
   * {@code ManualTimeSource}. Freshness uses its wall clock, shared across processes. With the
   * default, {@code TimeSource.system()}, hits judge freshness on a {@link CoarseTimeSource}
   * (about a millisecond behind); any other source is read directly.
   *
   * @param timeSource the time source
   * @return this builder
   * @throws NullPointerException if {@code timeSource} is null
   * @throws IllegalStateException if already set
   */
  public CacheAsideBuilder<K, V> timeSource(TimeSource timeSource) {
    Objects.requireNonNull(timeSource, "timeSource");
    settings.requireUnset("timeSource", this.timeSource);
    this.timeSource = timeSource;
    return this;
  }

  /**
   * Sets the random source of jitter and early refresh; by default each thread's
   * {@link ThreadLocalRandom}. Meant for tests; must be thread-safe if the facade is shared.
   *
   * @param random the random source
   * @return this builder
   * @throws NullPointerException if {@code random} is null
   * @throws IllegalStateException if already set
   */
  public CacheAsideBuilder<K, V> random(RandomGenerator random) {
    Objects.requireNonNull(random, "random");
    settings.requireUnset("random", this.random);
    this.random = random;
    return this;
  }

  /**
   * Sets where background refreshes run; the common fork-join pool by default.
   *
   * @param executor the executor
   * @return this builder
   * @throws NullPointerException if {@code executor} is null
   * @throws IllegalStateException if already set
   */
  public CacheAsideBuilder<K, V> refreshExecutor(Executor executor) {
    Objects.requireNonNull(executor, "executor");
    settings.requireUnset("refreshExecutor", this.refreshExecutor);
    this.refreshExecutor = executor;
    return this;
  }

  /**
   * Registers the facade's meters in {@code registry}.
   *
   * @param registry the registry
   * @return this builder
   * @throws NullPointerException if {@code registry} is null
   * @throws IllegalStateException if already set
   */
  public CacheAsideBuilder<K, V> meterRegistry(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    settings.requireUnset("meterRegistry", this.meterRegistry);
    this.meterRegistry = registry;
    return this;
  }

  /**
   * Sets where the facade is observed: a hit or a miss is an event ({@code layerkit.cache.hit},
   * {@code layerkit.cache.miss}) on the caller's current observation, not a span; a load is a
   * span {@code layerkit.cache.load} (current while the loader runs, so the loader's own work is
   * its child) and a caller waiting for another's load of the key a span {@code
   * layerkit.cache.wait}, both tagged {@code name} and {@code outcome}. {@link
   * ObservationRegistry#NOOP} by default: a hit then costs one more field read.
   *
   * @param registry the registry, with the tracer's handlers registered on it
   * @return this builder
   * @throws NullPointerException if {@code registry} is null
   * @throws IllegalStateException if already set
   */
  public CacheAsideBuilder<K, V> observationRegistry(ObservationRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    settings.requireUnset("observationRegistry", this.observationRegistry);
    this.observationRegistry = registry;
    return this;
  }

  /**
   * Makes single-flight hold across processes: before loading, a miss takes {@code lock} on the
   * key; a process that does not get it polls the cache every
   * {@link CacheAside#LOAD_LOCK_POLL_INTERVAL} for the holder's value, for up to
   * {@code maxWait}, then loads for itself (read-through). Off by default.
   *
   * @param lock the lock, for example {@code dev.layerkit.cache.redis.RedisLeaseLock}
   * @param keyCodec maps keys to lock names
   * @param leaseTime how long a lock holds if its holder dies; longer than a load takes
   * @param maxWait how long a process waits for another's load
   * @return this builder
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code leaseTime} is shorter than 1 ms or
   *     {@code maxWait} is negative
   * @throws IllegalStateException if already set
   */
  public CacheAsideBuilder<K, V> loadLock(LoadLock lock, KeyCodec<K> keyCodec, Duration leaseTime, Duration maxWait) {
    Objects.requireNonNull(lock, "lock");
    Objects.requireNonNull(keyCodec, "keyCodec");
    Arguments.atLeastOneMilli(leaseTime, "leaseTime");
    Arguments.notNegative(maxWait, "maxWait");
    settings.requireUnset("loadLock", this.loadLock);
    this.loadLock = lock;
    this.lockKeyCodec = keyCodec;
    this.leaseTime = leaseTime;
    this.lockWait = maxWait;
    return this;
  }

  /**
   * Sets how a process waiting for another's load waits between polls; meant for tests.
   *
   * @param sleeper the sleeper
   * @return this builder
   * @throws NullPointerException if {@code sleeper} is null
   * @throws IllegalStateException if already set
   */
  public CacheAsideBuilder<K, V> sleeper(Sleeper sleeper) {
    Objects.requireNonNull(sleeper, "sleeper");
    settings.requireUnset("sleeper", this.sleeper);
    this.sleeper = sleeper;
    return this;
  }

  /**
   * Builds the facade and its backend.
   *
   * @return a thread-safe cache-aside facade
   * @throws IllegalStateException if the backend cannot be built (a tiered backend whose remote
   *     cannot subscribe to its invalidation channel)
   */
  public CacheAside<K, V> build() {
    return new CacheAside<>(this);
  }
}
