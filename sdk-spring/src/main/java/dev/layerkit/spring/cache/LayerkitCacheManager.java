package dev.layerkit.spring.cache;

import dev.layerkit.cache.CacheAside;
import dev.layerkit.cache.CacheAsideBuilder;
import dev.layerkit.cache.CacheBuilder;
import dev.layerkit.cache.Caches;
import dev.layerkit.cache.KeyCodec;
import dev.layerkit.cache.redis.RedisCache;
import dev.layerkit.cache.redis.RedisLeaseLock;
import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.spring.LayerkitProperties;
import dev.layerkit.spring.LayerkitProperties.Backend;
import dev.layerkit.spring.LayerkitProperties.CacheSpec;
import dev.layerkit.spring.redis.LayerkitRedis;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;

/**
 * A Spring {@link CacheManager} whose caches are {@link CacheAside} facades, configured per cache
 * name from {@code layerkit.cache.*}.
 *
 * <p>Each cache's backend is in memory, Redis ({@code layerkit:cache:<name>:} keys by default) or
 * tiered (a local Caffeine tier in front of Redis, invalidated across instances; when Redis is
 * down at start, a tiered cache starts with its local tier bypassed, so reads go to the method,
 * subscribes to invalidations once Redis answers and clears its local tier then); with Redis,
 * misses take a Redis lease lock unless {@code layerkit.cache.distributed-lock=false}, so one
 * instance loads while the others wait for its value. Caches listed under
 * {@code layerkit.cache.caches} are made at start; others on first use when
 * {@code layerkit.cache.dynamic} (the default), else {@link #getCache(String)} returns null.
 *
 * <p>Thread-safe; {@link #destroy()} closes every facade (a tiered one stops listening).
 */
public final class LayerkitCacheManager implements CacheManager, DisposableBean {

  private final LayerkitProperties.Cache settings;
  private final @Nullable LayerkitRedis redis;
  private final @Nullable MeterRegistry meters;
  private final @Nullable ObservationRegistry observations;
  private final Codec<Object> codec;
  private final ConcurrentMap<String, LayerkitSpringCache> caches = new ConcurrentHashMap<>();

  /**
   * Creates the manager and the listed caches.
   *
   * @param settings the cache settings, validated
   * @param redis the Redis connections, or null for in-memory caches only
   * @param meters where meters go, or null
   * @param classLoader the class loader cached values are read back with
   * @throws IllegalStateException if a cache needs Redis and there is none
   */
  public LayerkitCacheManager(LayerkitProperties.Cache settings, @Nullable LayerkitRedis redis,
      @Nullable MeterRegistry meters, ClassLoader classLoader) {
    this(settings, redis, meters, null, classLoader);
  }

  /**
   * Creates the manager and the listed caches, whose loads and waits are observed in
   * {@code observations} ({@code layerkit.cache.load}, {@code layerkit.cache.wait}).
   *
   * @param settings the cache settings, validated
   * @param redis the Redis connections, or null for in-memory caches only
   * @param meters where meters go, or null
   * @param observations where observations go, or null for none
   * @param classLoader the class loader cached values are read back with
   * @throws IllegalStateException if a cache needs Redis and there is none
   */
  public LayerkitCacheManager(LayerkitProperties.Cache settings, @Nullable LayerkitRedis redis,
      @Nullable MeterRegistry meters, @Nullable ObservationRegistry observations, ClassLoader classLoader) {
    this.observations = observations;
    this.settings = Objects.requireNonNull(settings, "settings");
    this.redis = redis;
    this.meters = meters;
    this.codec = new JdkSerializationCodec(classLoader);
    for (String name : settings.getCaches().keySet()) {
      caches.computeIfAbsent(name, this::create);
    }
  }

  @Override
  public @Nullable Cache getCache(String name) {
    LayerkitSpringCache cache = caches.get(name);
    if (cache != null || !settings.isDynamic()) {
      return cache;
    }
    return caches.computeIfAbsent(name, this::create);
  }

  @Override
  public Collection<String> getCacheNames() {
    return Collections.unmodifiableSet(caches.keySet());
  }

  /**
   * Returns the health checks of the caches made so far.
   *
   * @return the checks
   */
  public List<HealthCheck> healthChecks() {
    List<HealthCheck> checks = new ArrayList<>();
    for (LayerkitSpringCache cache : caches.values()) {
      checks.add(cache.getNativeCache().healthCheck());
    }
    return checks;
  }

  /**
   * Returns the backend a cache gets: {@code AUTO} resolved to Redis or memory.
   *
   * @return the backend
   */
  Backend backend() {
    Backend backend = settings.getBackend();
    if (backend == Backend.AUTO) {
      return redis != null ? Backend.REDIS : Backend.MEMORY;
    }
    return backend;
  }

  private LayerkitSpringCache create(String name) {
    CacheSpec own = settings.getCaches().get(name);
    CacheSpec defaults = settings.getDefaults();
    Backend backend = backend();
    CacheBuilder<String, Object> backendBuilder;
    if (backend == Backend.MEMORY) {
      backendBuilder = local(name, own, defaults);
    } else {
      LayerkitRedis connections = redis;
      if (connections == null) {
        throw new IllegalStateException("layerkit.cache.backend is " + backend + " but no Redis is configured"
            + " for Layerkit: add spring-boot-starter-data-redis, define a Lettuce RedisClient bean, or set"
            + " layerkit.redis.url");
      }
      RedisCache.Builder<String, Object> remote = Caches.<String, Object>redis(connections.connection(), codec)
          .name(name)
          .keyPrefix(settings.getKeyPrefix() + name + ":")
          .timeout(settings.getRedisTimeout());
      if (meters != null) {
        remote.meterRegistry(meters);
      }
      if (backend == Backend.TIERED) {
        // A supplier: with Redis down at start the tiered cache starts without its channel (L1
        // bypassed) and subscribes in the background once Redis answers, clearing L1 then.
        remote.invalidationChannel(connections::pubSub);
        Duration localTtl = pick(own, defaults, CacheSpec::getLocalTtl);
        Caches.TieredBuilder<String, Object> tiered = Caches.tiered(local(name, own, defaults), remote);
        if (localTtl != null) {
          tiered.localTtl(localTtl);
        }
        backendBuilder = tiered;
      } else {
        backendBuilder = remote;
      }
    }
    CacheAsideBuilder<String, Object> builder = CacheAside.builder(backendBuilder).name(name);
    Duration ttl = pick(own, defaults, CacheSpec::getTtl);
    if (ttl != null) {
      builder.ttl(ttl);
    }
    Double jitter = pick(own, defaults, CacheSpec::getTtlJitterPercent);
    if (jitter != null) {
      builder.ttlJitterPercent(jitter);
    }
    Duration negative = pick(own, defaults, CacheSpec::getNegativeTtl);
    if (negative != null) {
      builder.negativeTtl(negative);
    }
    Duration stale = pick(own, defaults, CacheSpec::getStaleWhileRevalidate);
    if (stale != null) {
      builder.staleWhileRevalidate(stale);
    }
    Double beta = pick(own, defaults, CacheSpec::getEarlyRefreshBeta);
    if (beta != null) {
      builder.earlyRefreshBeta(beta);
    }
    if (meters != null) {
      builder.meterRegistry(meters);
    }
    if (observations != null) {
      builder.observationRegistry(observations);
    }
    if (backend != Backend.MEMORY && settings.isDistributedLock() && redis != null) {
      builder.loadLock(RedisLeaseLock.create(redis.connection(), settings.getKeyPrefix() + name + ":lock:",
              settings.getRedisTimeout()),
          KeyCodec.strings(), settings.getLockLease(), settings.getLockWait());
    }
    return new LayerkitSpringCache(name, builder.build());
  }

  private static Caches.InMemoryBuilder<String, Object> local(String name, @Nullable CacheSpec own,
      CacheSpec defaults) {
    Caches.InMemoryBuilder<String, Object> local = Caches.<String, Object>inMemory().name(name);
    Long size = pick(own, defaults, CacheSpec::getMaximumSize);
    if (size != null) {
      local.maximumSize(size);
    }
    return local;
  }

  private static <T> @Nullable T pick(@Nullable CacheSpec own, CacheSpec defaults,
      Function<CacheSpec, @Nullable T> setting) {
    T value = own == null ? null : setting.apply(own);
    return value != null ? value : setting.apply(defaults);
  }

  /** Closes every facade. */
  @Override
  public void destroy() {
    for (LayerkitSpringCache cache : caches.values()) {
      cache.getNativeCache().close();
    }
  }

  @Override
  public String toString() {
    return "LayerkitCacheManager" + caches.keySet();
  }
}
