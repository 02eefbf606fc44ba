package dev.layerkit.cache;

import dev.layerkit.cache.internal.CacheArguments;
import dev.layerkit.cache.internal.CachedValue;
import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.internal.CoarseTimeSource;
import dev.layerkit.core.observation.ObservationTags;
import dev.layerkit.core.time.Sleeper;
import dev.layerkit.core.time.TimeSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads through a {@link Cache}: returns the cached value of a key, or loads it once, caches it
 * and returns it. The cache-aside pattern with what production use needs on top.
 *
 * <ul>
 *   <li><b>Single-flight.</b> Concurrent misses of one key in this JVM run the loader once; every
 *       waiter gets the same value, or the same exception instance (a failed load is not cached).
 *       With a {@link CacheAsideBuilder#loadLock(LoadLock, KeyCodec, Duration, Duration) load lock}
 *       (for example a Redis lease lock) this holds across processes: one loads, the others poll
 *       the cache for its result for a bounded time and then load for themselves.</li>
 *   <li><b>TTL jitter.</b> Each entry's TTL is shortened by a random share up to {@link
 *       CacheAsideBuilder#ttlJitterPercent(double)}, so keys loaded together do not expire
 *       together. Jitter only shortens: no entry lives longer than the configured TTL.</li>
 *   <li><b>Negative caching.</b> A loader that returns null or an empty {@code Optional} is cached
 *       as absent for {@link CacheAsideBuilder#negativeTtl(Duration)}, so a missing row is not
 *       looked up on every request; {@code get} returns what the loader returned (null or {@code
 *       Optional.empty()}).</li>
 *   <li><b>Stale-while-revalidate.</b> With {@link
 *       CacheAsideBuilder#staleWhileRevalidate(Duration)}, an entry past its TTL but within that
 *       window is still served while one background refresh runs; past the window it is a
 *       miss.</li>
 *   <li><b>Probabilistic early refresh.</b> With {@link
 *       CacheAsideBuilder#earlyRefreshBeta(double)}, a hit refreshes in the background before
 *       expiry with XFetch's probability (Vattani, Chierichetti and Lowenstein, "Optimal
 *       Probabilistic Cache Stampede Prevention", PVLDB 8(8), 2015): a get at time {@code t}
 *       refreshes if {@code t - delta * beta * ln(u) >= expiry}, {@code u} uniform in (0, 1] and
 *       {@code delta} the last load's duration. The chance grows to 1 as expiry nears, faster for
 *       slow loads and a larger beta (1 is the paper's optimum).</li>
 * </ul>
 *
 * <h2>Concurrency and cost</h2>
 *
 * <p>Thread-safe. A fresh hit is the backend's get and one striped counter increment (plus one
 * clock reading with stale-while-revalidate or early refresh, which need the entry's age; without
 * them the backend's expiry, set to the TTL, is the freshness): lock-free and, on an in-memory
 * backend, allocation-free. With the system time source that reading is a
 * {@link CoarseTimeSource} (a volatile read, not a clock read), so freshness and the stale window
 * are judged up to about a millisecond late; loads and their timing read the exact clock. The
 * early-refresh draw is only made within 40 {@code delta * beta}
 * of expiry, where its probability exceeds e<sup>-40</sup>. A miss takes an entry in a concurrent
 * map of loads in flight; a waiter blocks on that entry's future. Loads run on the calling
 * thread; refreshes on the
 * {@linkplain CacheAsideBuilder#refreshExecutor(Executor) refresh executor}, at
 * most one per key at a time. With a load lock, a process re-reads the cache after taking the
 * lock, so one that locks just after another released it uses that value instead of loading.
 *
 * <h2>Failures</h2>
 *
 * <p>A loader's exception propagates unchanged to the caller and every waiter and nothing is
 * cached; a failed background refresh is logged at debug and counted, and the stale entry stays
 * until its window ends. The backend never throws for a remote outage (it behaves as a miss), so
 * reads fall through to the loader; {@link #healthCheck()} tells. A value the backend's codec
 * cannot encode throws its {@code CodecException} from {@code get}, with nothing cached.
 *
 * <h2>Backend</h2>
 *
 * <p>The facade builds its backend from the {@link CacheBuilder} it is given (one of
 * {@link Caches}' builders, typed on your values), storing each value with when it stops being
 * fresh and how long it took to load; that entry is the facade's own business. Close the facade
 * to release its backend (a tiered backend stops listening for invalidations).
 *
 * <h2>Metrics</h2>
 *
 * <p>{@link #stats()} at any time; with
 * {@link CacheAsideBuilder#meterRegistry(MeterRegistry)}, function
 * meters over the same counters that cost nothing per call. Tagged {@code name=<name>}:
 * {@code layerkit.cache.gets} ({@code result=hit|miss|stale}), {@code layerkit.cache.loads}
 * ({@code result=success|failure}), {@code layerkit.cache.load.duration} and
 * {@code layerkit.cache.early.refreshes}. The backend's own counts, tagged {@code name=<the
 * backend's name>}: {@code layerkit.cache.evictions}, {@code layerkit.cache.errors} and
 * {@code layerkit.cache.rejected}; a Redis backend given the same registry registers the same
 * meters, so each count is one meter, never two.
 *
 * <pre>{@code
 * CacheAside<String, Order> orders = CacheAside.builder(
 *         Caches.<String, Order>inMemory().name("orders").maximumSize(10_000))
 *     .ttl(Duration.ofMinutes(5)).ttlJitterPercent(10)
 *     .negativeTtl(Duration.ofSeconds(30))
 *     .staleWhileRevalidate(Duration.ofSeconds(30))
 *     .earlyRefreshBeta(1.0)
 *     .build();
 * Order order = orders.get("o-1", id -> repository.findById(id).orElse(null));
 * orders.write("o-1", () -> repository.save(updated));      // then invalidated everywhere
 * }</pre>
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class CacheAside<K, V> implements AutoCloseable {

  /** The default time a loaded value is fresh. */
  public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);

  /** The default time an absent value is cached; zero turns negative caching off. */
  public static final Duration DEFAULT_NEGATIVE_TTL = Duration.ofSeconds(30);

  /** The default TTL jitter, in percent of the TTL: none. */
  public static final double DEFAULT_TTL_JITTER_PERCENT = 0;

  /** The default stale-while-revalidate window: none. */
  public static final Duration DEFAULT_STALE_WHILE_REVALIDATE = Duration.ZERO;

  /** The default XFetch beta: 0, probabilistic early refresh off. */
  public static final double DEFAULT_EARLY_REFRESH_BETA = 0;

  /** How often a process waiting for another's load polls the cache. */
  public static final Duration LOAD_LOCK_POLL_INTERVAL = Duration.ofMillis(5);

  /** Beyond this many {@code delta * beta} before expiry, an early refresh is never drawn. */
  static final double XFETCH_HORIZON = 40;

  private static final Logger LOG = LoggerFactory.getLogger(CacheAside.class);

  private final Cache<K, CachedValue<V>> backend;
  private final String name;
  private final long ttlMillis;
  private final long negativeTtlMillis;
  private final double jitterFraction;
  private final long staleMillis;
  private final double beta;
  private final TimeSource timeSource;
  /**
   * What the hit path's freshness checks read: a {@link CoarseTimeSource} lease (held for the
   * facade's life, released once it is collected) with the system time source, else the source.
   */
  private final TimeSource hitClock;
  private final @Nullable RandomGenerator random;
  private final Executor refreshExecutor;
  private final @Nullable LoadLock loadLock;
  private final @Nullable KeyCodec<K> lockKeyCodec;
  private final Duration leaseTime;
  private final long lockWaitNanos;
  private final Sleeper sleeper;
  /**
   * Without a stale window or early refresh, every entry lives in the backend exactly as long as
   * it is fresh, so presence is freshness and a hit needs no clock read.
   */
  private final boolean backendExpiryIsFreshness;
  private final ConcurrentHashMap<K, LoadFlight<V>> inFlight = new ConcurrentHashMap<>();

  private final CacheAsideCounters counters = new CacheAsideCounters();
  private final ObservationRegistry observations;

  static final String LOAD_OBSERVATION = "layerkit.cache.load";
  static final String WAIT_OBSERVATION = "layerkit.cache.wait";
  private static final Observation.Event HIT =
      Observation.Event.of("layerkit.cache.hit", "layerkit.cache.hit");
  private static final Observation.Event MISS =
      Observation.Event.of("layerkit.cache.miss", "layerkit.cache.miss");

  CacheAside(CacheAsideBuilder<K, V> builder) {
    this.backend = builder.backend.buildWrapped(CachedValue.<V>wrapping());
    this.name = builder.name != null ? builder.name : backend.name();
    this.ttlMillis = builder.ttl.toMillis();
    this.negativeTtlMillis = builder.negativeTtl.toMillis();
    this.jitterFraction = builder.jitterPercent / 100.0;
    this.staleMillis = builder.staleWhileRevalidate.toMillis();
    this.beta = builder.beta;
    this.timeSource = builder.timeSource;
    this.hitClock = timeSource == TimeSource.system() ? CoarseTimeSource.acquire() : timeSource;
    this.random = builder.random;
    this.refreshExecutor = builder.refreshExecutor;
    this.loadLock = builder.loadLock;
    this.lockKeyCodec = builder.lockKeyCodec;
    this.leaseTime = builder.leaseTime;
    this.lockWaitNanos = builder.lockWait.toNanos();
    this.sleeper = builder.sleeper;
    this.backendExpiryIsFreshness = staleMillis == 0 && beta == 0;
    this.observations = builder.observationRegistry;
    if (builder.meterRegistry != null) {
      counters.register(builder.meterRegistry, name, backend);
    }
  }

  /**
   * Returns a builder of a cache-aside facade whose backend is built from {@code backend}.
   *
   * @param backend the backend's configuration: {@link Caches#inMemory()},
   *     {@link Caches#redis(io.lettuce.core.api.StatefulRedisConnection, dev.layerkit.core.codec.Codec)
   *     Caches.redis(...)} or {@link Caches#tiered(CacheBuilder, RemoteCacheBuilder)}, with its
   *     settings
   * @param <K> the key type
   * @param <V> the value type
   * @return a new builder
   * @throws NullPointerException if {@code backend} is null
   */
  public static <K, V> CacheAsideBuilder<K, V> builder(CacheBuilder<K, V> backend) {
    return new CacheAsideBuilder<>(Objects.requireNonNull(backend, "backend"));
  }

  /**
   * Returns the value for {@code key}, from the cache if it holds a fresh (or, within the
   * stale-while-revalidate window, a stale) entry, else from {@code loader}, which then runs once
   * for all concurrent callers of the key in this JVM (and across processes with a load lock).
   *
   * @param key the key
   * @param loader loads the value of a key; returns null or an empty {@code Optional} if there is
   *     none (cached for the negative TTL); runs on the calling thread, or on the refresh executor
   *     for refreshes
   * @return the value, null or an empty {@code Optional} as the loader returned it
   * @throws NullPointerException if {@code key} or {@code loader} is null
   * @throws RuntimeException the loader's exception (the same instance for every waiter); nothing
   *     is cached then
   * @throws dev.layerkit.core.codec.CodecException if the backend cannot encode the loaded value;
   *     nothing is cached then
   * @throws IllegalStateException if the loader asks this facade for the same key (it would wait
   *     for itself)
   */
  public @Nullable V get(K key, Function<? super K, ? extends @Nullable V> loader) {
    CacheArguments.key(key);
    Objects.requireNonNull(loader, "loader");
    CachedValue<V> entry = backend.get(key);
    if (entry != null && backendExpiryIsFreshness) {
      counters.hits.increment();
      event(HIT);
      return entry.value();
    }
    if (entry != null) {
      long now = hitClock.epochMillis();
      long freshUntil = entry.freshUntilMillis();
      if (now < freshUntil) {
        counters.hits.increment();
        event(HIT);
        if (beta > 0 && shouldRefreshEarly(entry.loadNanos(), freshUntil - now)) {
          counters.earlyRefreshes.increment();
          refreshInBackground(key, loader);
        }
        return entry.value();
      }
      if (now < freshUntil + staleMillis) {
        counters.staleHits.increment();
        refreshInBackground(key, loader);
        return entry.value();
      }
    }
    counters.misses.increment();
    event(MISS);
    return loadSingleFlight(key, loader);
  }

  /** Adds a hit or miss event to the caller's current observation, if tracing is on. */
  private void event(Observation.Event event) {
    if (!observations.isNoop()) {
      Observation current = observations.getCurrentObservation();
      if (current != null) {
        current.event(event);
      }
    }
  }

  /** Starts a load or wait observation (current until closed), or NOOP when tracing is off. */
  private Observation startObservation(String observationName) {
    if (observations.isNoop()) {
      return Observation.NOOP;
    }
    return Observation.createNotStarted(observationName, observations)
        .lowCardinalityKeyValue(ObservationTags.NAME, name).start();
  }

  private static void stopObservation(Observation observation, @Nullable Throwable error) {
    if (observation.isNoop()) {
      return;
    }
    if (error != null) {
      observation.error(error);
    }
    observation.lowCardinalityKeyValue(ObservationTags.OUTCOME,
        error == null ? ObservationTags.SUCCESS : ObservationTags.ERROR).stop();
  }

  /**
   * Returns the values of {@code keys}: the cached ones, and the missing ones from one call of
   * {@code bulkLoader} for all of them.
   *
   * <p>Stale entries within the stale-while-revalidate window are served and refreshed one key at
   * a time in the background. The loaded entries share one jittered TTL so that a remote backend
   * writes them in one pipelined batch. Bulk loads are not single-flighted against concurrent
   * loads of the same keys.
   *
   * @param keys the keys
   * @param bulkLoader loads the values of the keys it is given; a key it leaves out (or maps to
   *     null) is absent and cached for the negative TTL
   * @return a new map of every key that has a value (absent keys are left out)
   * @throws NullPointerException if {@code keys}, one of them, or {@code bulkLoader} is null
   * @throws RuntimeException the bulk loader's exception; nothing of the load is cached
   */
  public Map<K, V> getAll(Collection<? extends K> keys,
      Function<? super Set<K>, ? extends Map<? extends K, ? extends @Nullable V>> bulkLoader) {
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(bulkLoader, "bulkLoader");
    Set<K> wanted = new LinkedHashSet<>();
    for (K key : keys) {
      wanted.add(CacheArguments.key(key));
    }
    Map<K, V> result = new HashMap<>();
    Set<K> missing = new LinkedHashSet<>();
    Map<K, CachedValue<V>> cached = backend.getAll(wanted);
    long now = hitClock.epochMillis();
    for (K key : wanted) {
      CachedValue<V> entry = cached.get(key);
      if (entry != null && now < entry.freshUntilMillis()) {
        counters.hits.increment();
        addIfPresent(result, key, entry.value());
      } else if (entry != null && now < entry.freshUntilMillis() + staleMillis) {
        counters.staleHits.increment();
        addIfPresent(result, key, entry.value());
        refreshInBackground(key, k -> bulkLoader.apply(Set.of(k)).get(k));
      } else {
        missing.add(key);
      }
    }
    if (missing.isEmpty()) {
      return result;
    }
    counters.misses.add(missing.size());
    long start = timeSource.nanoTime();
    Map<? extends K, ? extends @Nullable V> loaded;
    try {
      loaded = bulkLoader.apply(Collections.unmodifiableSet(missing));
    } catch (RuntimeException | Error e) {
      loadFailed(start);
      throw e;
    }
    long took = loadSucceeded(start);
    Map<K, CachedValue<V>> present = new HashMap<>();
    Map<K, CachedValue<V>> absent = new HashMap<>();
    long freshUntil = timeSource.epochMillis() + jittered(ttlMillis);
    long negativeFreshUntil = timeSource.epochMillis() + negativeTtlMillis;
    for (K key : missing) {
      V value = loaded.get(key);
      CachedValue<V> entry = CachedValue.of(value, value == null ? negativeFreshUntil : freshUntil, took);
      if (entry.isAbsent()) {
        absent.put(key, entry);
      } else {
        present.put(key, entry);
        result.put(key, entry.value());
      }
    }
    if (!present.isEmpty()) {
      backend.putAll(present, Duration.ofMillis(Math.max(1, freshUntil - timeSource.epochMillis()) + staleMillis));
    }
    if (!absent.isEmpty() && negativeTtlMillis > 0) {
      backend.putAll(absent, Duration.ofMillis(negativeTtlMillis + staleMillis));
    }
    return result;
  }

  private static <K, V> void addIfPresent(Map<K, V> result, K key, @Nullable V value) {
    if (value != null) {
      result.put(key, value);
    }
  }

  /**
   * Removes the entry of {@code key} from the cache (for a tiered backend: from every instance).
   * A load of the key in flight in this JVM will not cache its result.
   *
   * @param key the key
   * @throws NullPointerException if {@code key} is null
   */
  public void invalidate(K key) {
    CacheArguments.key(key);
    LoadFlight<V> flight = inFlight.get(key);
    if (flight != null) {
      flight.invalidated = true;
    }
    backend.invalidate(key);
  }

  /**
   * Caches {@code value} for {@code key} as a load of it would: fresh for the (jittered) TTL, or,
   * for null or an empty {@code Optional}, absent for the negative TTL (removed when negative
   * caching is off). It replaces what the cache holds for the key; a tiered backend drops the
   * other instances' local copies. A load of the key in flight in this JVM will not cache its
   * result over this value.
   *
   * <p>For callers whose contract is to cache a given value, such as Spring's
   * {@code @CachePut}. After changing the source of truth, prefer {@link #write(Object, Supplier)}:
   * it explains why deleting beats putting when writers race.
   *
   * <p>Like a load's store, a remote backend that cannot be reached drops the put (counted in its
   * errors), and a value larger than the backend's maximum is not cached.
   *
   * @param key the key
   * @param value the value, or null (or an empty {@code Optional}) for "absent"
   * @return true if the backend stored the entry; false if it dropped it (too large, a failed
   *     remote write) or, for an absent value with negative caching off, removed the key instead
   * @throws NullPointerException if {@code key} is null
   * @throws dev.layerkit.core.codec.CodecException if the backend cannot encode {@code value};
   *     nothing is cached then
   */
  public boolean put(K key, @Nullable V value) {
    CacheArguments.key(key);
    LoadFlight<V> flight = inFlight.get(key);
    if (flight != null) {
      flight.invalidated = true;
    }
    boolean absent = value == null || value instanceof Optional<?> o && o.isEmpty();
    if (absent && negativeTtlMillis == 0) {
      backend.invalidate(key);
      return false;
    }
    long ttl = absent ? negativeTtlMillis : jittered(ttlMillis);
    // A put has no load duration: 0 keeps early refresh from drawing on it.
    return backend.put(key, CachedValue.of(value, timeSource.epochMillis() + ttl, 0),
        Duration.ofMillis(ttl + staleMillis));
  }

  /**
   * Removes every entry of this cache: for a remote backend every key under its prefix (never the
   * rest of the server), for a tiered one the shared tier and every instance's local tier. Loads in
   * flight in this JVM will not cache their results.
   *
   * <p>Costs a scan of the prefix on Redis ({@code SCAN} and {@code UNLINK} in batches), so it is
   * for administration and tests, not for a request path. A remote backend that cannot be reached
   * remembers the clear and runs it when the server answers again (see the backend's class
   * comment).
   */
  public void invalidateAll() {
    for (LoadFlight<V> flight : inFlight.values()) {
      flight.invalidated = true;
    }
    backend.invalidateAll();
  }

  /**
   * Runs {@code writer} (which changes the source of truth, a database row say), then invalidates
   * {@code key} everywhere, even if the writer threw (it may have written partly).
   *
   * <p>Why delete after the write rather than update the cache in place: two concurrent writers
   * that each put their own value can finish in the opposite order of their database commits and
   * leave the older value cached until its TTL; a put after a failed or rolled-back write caches a
   * value that never existed; and a remote put can be lost while a delete can be repeated safely.
   * Deleting makes the next read load the committed value. Deleting after (not before) the write
   * keeps a reader from re-caching the old value between the delete and the commit. A load already
   * in flight in this JVM is told not to cache its (possibly old) result; in another process such a
   * load can still cache an old value, bounded by the TTL.
   *
   * @param key the key the write changes
   * @param writer the write
   * @param <R> the writer's result
   * @return what the writer returned
   * @throws NullPointerException if {@code key} or {@code writer} is null
   * @throws RuntimeException the writer's exception, after the invalidation
   */
  public <R extends @Nullable Object> R write(K key, Supplier<R> writer) {
    CacheArguments.key(key);
    Objects.requireNonNull(writer, "writer");
    try {
      return writer.get();
    } finally {
      invalidate(key);
    }
  }

  /**
   * Returns a snapshot of the counters.
   *
   * @return the statistics
   */
  public CacheStats stats() {
    return counters.snapshot(backend);
  }

  /**
   * Returns the name used in metrics and logs.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /** Returns the backend this facade reads through; for tests. */
  Cache<K, CachedValue<V>> backend() {
    return backend;
  }

  /**
   * Returns a check of the backend: a remote or tiered backend's own check (Redis answers and its
   * breaker is closed, else {@code DEGRADED}: reads go to the loader), or {@code UP} for an
   * in-memory one.
   *
   * @return the check
   */
  public HealthCheck healthCheck() {
    if (backend instanceof RemoteCache<?, ?> remote) {
      return remote.healthCheck();
    }
    if (backend instanceof TieredCache<?, ?> tiered) {
      return tiered.healthCheck();
    }
    return HealthCheck.of("cache-" + name, () -> Health.up().detail("backend", "in memory").build());
  }

  /**
   * Releases the backend: a tiered backend stops listening for invalidations. The caches'
   * connections stay the caller's. Never throws.
   */
  @Override
  public void close() {
    if (backend instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        LOG.warn("Cache '{}': closing its backend failed", name, e);
      }
    }
  }

  /**
   * Decides an XFetch early refresh for an entry that loaded in {@code loadNanos} and is fresh for
   * {@code remainingMillis} more: true with probability {@code exp(-remaining / (delta * beta))}.
   */
  boolean shouldRefreshEarly(long loadNanos, long remainingMillis) {
    double window = loadNanos / 1e6 * beta;
    if (window <= 0 || remainingMillis > window * XFETCH_HORIZON) {
      return false;
    }
    RandomGenerator rng = random != null ? random : ThreadLocalRandom.current();
    // 1 - u is uniform in (0, 1], so the log is finite.
    return -window * Math.log(1.0 - rng.nextDouble()) >= remainingMillis;
  }

  private long jittered(long millis) {
    if (jitterFraction == 0) {
      return millis;
    }
    RandomGenerator rng = random != null ? random : ThreadLocalRandom.current();
    return Math.max(1, millis - (long) (millis * jitterFraction * rng.nextDouble()));
  }

  @SuppressWarnings("try") // the scope makes the observation current; the body need not name it
  private @Nullable V loadSingleFlight(K key, Function<? super K, ? extends @Nullable V> loader) {
    LoadFlight<V> flight = new LoadFlight<>(Thread.currentThread());
    LoadFlight<V> running = inFlight.putIfAbsent(key, flight);
    if (running != null) {
      if (running.owner == Thread.currentThread()) {
        // Waiting would be waiting for ourselves, forever.
        throw new IllegalStateException("Cache '" + name + "': the loader of a key asked for the same key");
      }
      Observation waiting = startObservation(WAIT_OBSERVATION);
      Throwable waitFailure = null;
      try (Observation.Scope scope = waiting.openScope()) {
        return running.await();
      } catch (RuntimeException | Error e) {
        waitFailure = e;
        throw e;
      } finally {
        stopObservation(waiting, waitFailure);
      }
    }
    Observation loading = startObservation(LOAD_OBSERVATION);
    Throwable loadFailure = null;
    try (Observation.Scope scope = loading.openScope()) {
      // A load that finished between our miss and our putIfAbsent has cached its value already.
      CachedValue<V> entry = backend.get(key);
      V value;
      if (entry != null && timeSource.epochMillis() < entry.freshUntilMillis()) {
        value = entry.value();
      } else {
        value = loadAndStore(key, loader, flight, true);
      }
      flight.complete(value);
      return value;
    } catch (RuntimeException | Error e) {
      flight.completeExceptionally(e);
      loadFailure = e;
      throw e;
    } finally {
      inFlight.remove(key, flight);
      stopObservation(loading, loadFailure);
    }
  }

  private void refreshInBackground(K key, Function<? super K, ? extends @Nullable V> loader) {
    LoadFlight<V> flight = new LoadFlight<>(null);
    if (inFlight.putIfAbsent(key, flight) != null) {
      return;
    }
    try {
      refreshExecutor.execute(() -> {
        try {
          flight.complete(loadAndStore(key, loader, flight, false));
        } catch (RuntimeException | Error e) {
          flight.completeExceptionally(e);
          LOG.debug("Cache '{}': background refresh of a key failed; the stale entry stays", name, e);
        } finally {
          inFlight.remove(key, flight);
        }
      });
    } catch (RejectedExecutionException e) {
      inFlight.remove(key, flight);
      flight.completeExceptionally(e);
      LOG.debug("Cache '{}': refresh executor rejected a refresh", name, e);
    }
  }

  private @Nullable V loadAndStore(K key, Function<? super K, ? extends @Nullable V> loader, LoadFlight<V> flight,
      boolean waitForOthers) {
    LoadLock.Lease lease = null;
    if (loadLock != null) {
      String lockKey = Objects.requireNonNull(lockKeyCodec).encode(key);
      lease = loadLock.tryAcquire(lockKey, leaseTime);
      if (lease == null && waitForOthers) {
        CachedValue<V> loadedElsewhere = awaitOtherProcess(key);
        if (loadedElsewhere != null) {
          return loadedElsewhere.value();
        }
      } else if (lease == null) {
        // A refresh that another process already runs: nothing to do; callers keep the stale value.
        CachedValue<V> current = backend.get(key);
        return current != null ? current.value() : null;
      } else if (waitForOthers) {
        // Another process may have loaded, cached and released between our miss and our lock.
        CachedValue<V> current = backend.get(key);
        if (current != null && timeSource.epochMillis() < current.freshUntilMillis()) {
          lease.close();
          return current.value();
        }
      }
    }
    try {
      long start = timeSource.nanoTime();
      V value;
      try {
        value = loader.apply(key);
      } catch (RuntimeException | Error e) {
        loadFailed(start);
        throw e;
      }
      long took = loadSucceeded(start);
      store(key, value, took, flight);
      return value;
    } finally {
      if (lease != null) {
        lease.close();
      }
    }
  }

  /** Polls the cache for the value another process is loading; null if it did not come in time. */
  private @Nullable CachedValue<V> awaitOtherProcess(K key) {
    long deadline = timeSource.nanoTime() + lockWaitNanos;
    while (timeSource.nanoTime() - deadline < 0) {
      try {
        sleeper.sleep(LOAD_LOCK_POLL_INTERVAL);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
      CachedValue<V> entry = backend.get(key);
      if (entry != null && timeSource.epochMillis() < entry.freshUntilMillis()) {
        return entry;
      }
    }
    return null;
  }

  private void store(K key, @Nullable V value, long took, LoadFlight<V> flight) {
    boolean absent = value == null || value instanceof Optional<?> o && o.isEmpty();
    if (absent && negativeTtlMillis == 0) {
      return;
    }
    long ttl = absent ? negativeTtlMillis : jittered(ttlMillis);
    if (flight.invalidated) {
      return;
    }
    backend.put(key, CachedValue.of(value, timeSource.epochMillis() + ttl, took), Duration.ofMillis(ttl + staleMillis));
    // An invalidation that raced with the put must win.
    if (flight.invalidated) {
      backend.invalidate(key);
    }
  }

  private void loadFailed(long start) {
    counters.loadFailed(timeSource.nanoTime() - start);
  }

  private long loadSucceeded(long start) {
    long took = timeSource.nanoTime() - start;
    counters.loadSucceeded(took);
    return took;
  }

  @Override
  public String toString() {
    return "CacheAside{name=" + name + ", backend=" + backend + '}';
  }
}
