package dev.layerkit.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.layerkit.benchmarks.state.KeyCursor;
import dev.layerkit.cache.CacheAside;
import dev.layerkit.cache.CacheBuilder;
import dev.layerkit.cache.Caches;
import dev.layerkit.cache.TieredCache;
import dev.layerkit.cache.internal.CachedValue;
import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.internal.CoarseTimeSource;
import dev.layerkit.core.redis.RedisConnections;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A cache hit through {@link CacheAside} beside the raw library call it wraps, over
 * {@value #KEYS} keys that are all cached.
 *
 * <ul>
 *   <li>In memory: {@code CacheAside.get} on {@code Caches.inMemory()} against Caffeine's
 *       {@code getIfPresent} (the anchor, expiring after write) and {@code get(key, fn)}; and,
 *       to show where the time goes, Caffeine with no expiry, with the backend's per-entry
 *       {@code Expiry} on the system ticker, on the coarse clock (the backend's configuration), and
 *       on the coarse clock with same-thread maintenance.</li>
 *   <li>Tiered: an L1 hit of {@code CacheAside} over {@code Caches.tiered(...)} (Redis is not
 *       touched on an L1 hit), and of the tiered backend's own {@code get}.</li>
 *   <li>Redis: {@code CacheAside.get} on a {@link RedisCache} against a raw Lettuce sync
 *       {@code GET} of the same bytes (the Redis anchor).</li>
 * </ul>
 *
 * <p>The Redis and tiered methods need Redis at {@code -Dlayerkit.bench.redis=redis://host:port}
 * (default {@code redis://127.0.0.1:6379}); keys get a fresh prefix and expire after an hour.
 * Run (after {@code ./mvnw -B -q package -pl benchmarks -am -DskipTests}):
 * {@code java -jar benchmarks/target/benchmarks.jar '\.CacheAsideBenchmark\.' -prof gc -rf json -rff /tmp/cache.json},
 * then {@code python3 benchmarks/jmh_table.py /tmp/cache.json caffeineGetIfPresent} (and
 * {@code lettuceSyncGet} for the Redis rows).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CacheAsideBenchmark {

  static final int KEYS = 1_000;
  private static final Duration TTL = Duration.ofHours(1);

  static String[] keyNames(String prefix) {
    String[] keys = new String[KEYS];
    for (int i = 0; i < KEYS; i++) {
      keys[i] = prefix + "user:" + i;
    }
    return keys;
  }

  /** A client of the benchmark's Redis ({@code -Dlayerkit.bench.redis}). */
  static RedisClient redisClient() {
    return RedisClient.create(System.getProperty("layerkit.bench.redis", "redis://127.0.0.1:6379"));
  }

  /** A key prefix of its own for each run, so runs never read each other's entries. */
  static String runPrefix() {
    return "bench:cache:" + System.nanoTime() + ':';
  }

  /** What every loader here returns for a key. */
  static String valueOf(String key) {
    return "value of " + key;
  }

  /** Caffeine alone and CacheAside on the in-memory backend, every key loaded. */
  @State(Scope.Benchmark)
  public static class InMemory {
    String[] keys;
    Cache<String, String> caffeine;
    Cache<String, String> caffeineVariable;
    Cache<String, String> caffeineVariableCoarse;
    Cache<String, String> caffeineVariableCoarseSameThread;
    Cache<String, String> caffeineSizeOnly;
    CoarseTimeSource coarseClock;
    CacheAside<String, String> cacheAside;
    dev.layerkit.cache.Cache<String, CachedValue<String>> backend;
    Function<String, String> loader;

    /** Fills both caches. */
    @Setup
    public void setUp() {
      keys = keyNames("");
      loader = CacheAsideBenchmark::valueOf;
      caffeine = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(TTL).build();
      backend = Caches.<String, String>inMemory().maximumSize(10_000).buildWrapped(CachedValue.wrapping());
      cacheAside = CacheAside.builder(prebuilt(backend)).ttl(TTL).build();
      caffeineVariable = Caffeine.newBuilder().maximumSize(10_000)
          .expireAfter(Expiry.<String, String>writing((key, value) -> TTL)).build();
      coarseClock = CoarseTimeSource.acquire();
      CoarseTimeSource clock = coarseClock;
      caffeineVariableCoarse = Caffeine.newBuilder().maximumSize(10_000)
          .expireAfter(Expiry.<String, String>writing((key, value) -> TTL)).ticker(clock::nanoTime).build();
      caffeineVariableCoarseSameThread = Caffeine.newBuilder().maximumSize(10_000).executor(Runnable::run)
          .expireAfter(Expiry.<String, String>writing((key, value) -> TTL)).ticker(clock::nanoTime).build();
      caffeineSizeOnly = Caffeine.newBuilder().maximumSize(10_000).build();
      for (String key : keys) {
        caffeineVariableCoarseSameThread.put(key, loader.apply(key));
        caffeineSizeOnly.put(key, loader.apply(key));
        caffeine.put(key, loader.apply(key));
        caffeineVariable.put(key, loader.apply(key));
        caffeineVariableCoarse.put(key, loader.apply(key));
        cacheAside.get(key, loader);
      }
      // Measure from a compacted heap, as in the Redis state, whatever the setup allocated.
      System.gc();
    }

    /** Releases the coarse clock the anchor variant reads. */
    @TearDown(Level.Trial)
    public void releaseClock() {
      coarseClock.close();
    }
  }

  /** Raw Lettuce and CacheAside on Redis, every key loaded. */
  @State(Scope.Benchmark)
  public static class Redis {
    String[] keys;
    String[] rawKeys;
    RedisClient client;
    StatefulRedisConnection<String, byte[]> connection;
    RedisCommands<String, byte[]> sync;
    CacheAside<String, String> remote;
    Function<String, String> loader;

    /** Connects and fills Redis (our entries and, for Lettuce, the same bytes under other keys). */
    @Setup
    public void setUp() {
      String run = runPrefix();
      keys = keyNames("");
      rawKeys = keyNames(run + "raw:");
      loader = CacheAsideBenchmark::valueOf;
      client = redisClient();
      connection = RedisConnections.connect(client);
      sync = connection.sync();
      Codec<CachedValue<String>> codec = CachedValue.codec(Codecs.utf8());
      remote = CacheAside.builder(Caches.<String, String>redis(connection, Codecs.utf8())
          .name("bench").keyPrefix(run + "layerkit:").timeout(Duration.ofSeconds(5))).ttl(TTL).build();
      for (int i = 0; i < KEYS; i++) {
        remote.get(keys[i], loader);
        // The same bytes CacheAside stores, so both sides move and decode as much.
        sync.set(rawKeys[i], codec.encode(CachedValue.of(loader.apply(keys[i]), Long.MAX_VALUE, 0)), SetArgs.Builder.px(TTL));
      }
      // As in the in-memory state: measure from a compacted heap, whatever the setup allocated.
      System.gc();
    }

    /** Fails the run if any Redis call failed: a miss would have measured the loader instead. */
    @TearDown(Level.Trial)
    public void tearDown() {
      long errors = remote.stats().remoteErrors();
      client.shutdown();
      if (errors > 0) {
        throw new IllegalStateException(errors + " Redis calls failed: the result is invalid");
      }
    }
  }

  /**
   * CacheAside on the tiered cache, every key loaded and copied into L1. A state of its own, so
   * that its fork runs only the tiered cache's code: sharing the Redis state's setup made
   * {@code CacheAside.get} profile a second backend and a thousand Redis loads before the
   * measured L1 hits, which is not what an application reading one tiered cache does.
   */
  @State(Scope.Benchmark)
  public static class Tiered {
    String[] keys;
    RedisClient client;
    TieredCache<String, CachedValue<String>> tieredCache;
    CacheAside<String, String> tiered;
    Function<String, String> loader;

    /** Connects, then loads every key through the tiered cache. */
    @Setup
    public void setUp() {
      String run = runPrefix();
      keys = keyNames("");
      loader = CacheAsideBenchmark::valueOf;
      client = redisClient();
      tieredCache = Caches.tiered(Caches.<String, String>inMemory().maximumSize(10_000),
              Caches.<String, String>redis(RedisConnections.connect(client), Codecs.utf8())
                  .name("bench-tiered").keyPrefix(run + "tiered:").timeout(Duration.ofSeconds(5))
                  .invalidationChannel(RedisConnections.connectPubSub(client)))
          .localTtl(TTL).buildWrapped(CachedValue.wrapping());
      tiered = CacheAside.builder(prebuilt(tieredCache)).ttl(TTL).build();
      for (String key : keys) {
        tiered.get(key, loader);
      }
      // A second pass copies every entry into L1, so the measurement starts on L1 hits rather than
      // filling L1 during the first warm-up iteration, among the garbage of 1,000 Redis reads that
      // no collection would compact (hits allocate nothing).
      for (String key : keys) {
        tiered.get(key, loader);
      }
      System.gc();
    }

    /** Fails the run if any Redis call failed: the L1 would not hold every key. */
    @TearDown(Level.Trial)
    public void tearDown() {
      long errors = tieredCache.errorCount();
      tieredCache.close();
      client.shutdown();
      if (errors > 0) {
        throw new IllegalStateException(errors + " Redis calls failed: the result is invalid");
      }
    }
  }

  /** Anchor: Caffeine's {@code getIfPresent}. */
  @Benchmark
  public String caffeineGetIfPresent(InMemory state, KeyCursor cursor) {
    return state.caffeine.getIfPresent(cursor.next(state.keys));
  }

  /**
   * Caffeine's {@code getIfPresent} with per-entry (variable) expiration, which the in-memory
   * backend needs for {@code put(key, value, ttl)}.
   */
  @Benchmark
  public String caffeineVariableExpiryGetIfPresent(InMemory state, KeyCursor cursor) {
    return state.caffeineVariable.getIfPresent(cursor.next(state.keys));
  }

  /**
   * Caffeine with the same per-entry expiry and the coarse clock as its ticker, as the in-memory
   * backend has on the system time source: what is left of the expiry's cost without the clock
   * read.
   */
  @Benchmark
  public String caffeineVariableExpiryCoarseTickerGetIfPresent(InMemory state, KeyCursor cursor) {
    return state.caffeineVariableCoarse.getIfPresent(cursor.next(state.keys));
  }

  /**
   * As {@link #caffeineVariableExpiryCoarseTickerGetIfPresent} with maintenance on the calling
   * thread ({@code executor(Runnable::run)}), as the in-memory backend ran it until it took
   * Caffeine's default (the common pool, outside the measured thread, as for every anchor).
   */
  @Benchmark
  public String caffeineVariableExpiryCoarseTickerSameThreadGetIfPresent(InMemory state, KeyCursor cursor) {
    return state.caffeineVariableCoarseSameThread.getIfPresent(cursor.next(state.keys));
  }

  /**
   * Caffeine bounded by size alone, without any expiry: it reads no clock on a hit, which the
   * anchor (expire after write) does.
   */
  @Benchmark
  public String caffeineSizeOnlyGetIfPresent(InMemory state, KeyCursor cursor) {
    return state.caffeineSizeOnly.getIfPresent(cursor.next(state.keys));
  }

  /** Caffeine's {@code get(key, fn)} on a hit. */
  @Benchmark
  public String caffeineGet(InMemory state, KeyCursor cursor) {
    return state.caffeine.get(cursor.next(state.keys), state.loader);
  }

  /**
   * Hands CacheAside a backend this benchmark built (as a third-party backend builder would), so
   * that the backend's own {@code get} can be measured beside CacheAside's.
   */
  @SuppressWarnings("unchecked")
  static CacheBuilder<String, String> prebuilt(dev.layerkit.cache.Cache<String, ?> backend) {
    return new CacheBuilder<>() {
      @Override
      public dev.layerkit.cache.Cache<String, String> build() {
        throw new UnsupportedOperationException("only CacheAside builds from this");
      }

      @Override
      public <E> dev.layerkit.cache.Cache<String, E> buildWrapped(Wrapping<String, E> wrapping) {
        return (dev.layerkit.cache.Cache<String, E>) backend;
      }
    };
  }

  /** {@code CacheAside.get} on the in-memory backend, a hit. */
  @Benchmark
  public String cacheAsideHit(InMemory state, KeyCursor cursor) {
    return state.cacheAside.get(cursor.next(state.keys), state.loader);
  }

  /** The in-memory backend's own {@code get}, to split CacheAside's cost from the backend's. */
  @Benchmark
  public CachedValue<String> inMemoryBackendGet(InMemory state, KeyCursor cursor) {
    return state.backend.get(cursor.next(state.keys));
  }

  /** {@code CacheAside.get} on the tiered backend, an L1 hit. */
  @Benchmark
  public String tieredL1Hit(Tiered state, KeyCursor cursor) {
    return state.tiered.get(cursor.next(state.keys), state.loader);
  }

  /** The tiered backend's own {@code get}, an L1 hit, to split CacheAside's cost from it. */
  @Benchmark
  public CachedValue<String> tieredBackendGet(Tiered state, KeyCursor cursor) {
    return state.tieredCache.get(cursor.next(state.keys));
  }

  /** Redis anchor: a raw Lettuce sync {@code GET} of the bytes CacheAside would read. */
  @Benchmark
  public byte[] lettuceSyncGet(Redis state, KeyCursor cursor) {
    return state.sync.get(cursor.next(state.rawKeys));
  }

  /** {@code CacheAside.get} on Redis, a hit: one {@code GET} and a decode. */
  @Benchmark
  public String redisCacheAsideHit(Redis state, KeyCursor cursor) {
    return state.remote.get(cursor.next(state.keys), state.loader);
  }
}
