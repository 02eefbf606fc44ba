package dev.layerkit.cache;

import com.github.benmanes.caffeine.cache.Weigher;
import dev.layerkit.cache.redis.RedisCache;
import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.time.TimeSource;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * The entry point to the {@link Cache} backends: each method returns a builder, whose
 * {@code build()} gives the cache, and which {@link CacheAside#builder(CacheBuilder)} takes to
 * build its own backend from.
 *
 * <table>
 *   <caption>Backends</caption>
 *   <tr><th>factory</th><th>what</th><th>needs</th></tr>
 *   <tr><td>{@link #inMemory()}</td><td>Caffeine in this process</td><td>nothing</td></tr>
 *   <tr><td>{@link #redis(StatefulRedisConnection, Codec)},
 *       {@link #redis(StatefulRedisClusterConnection, Codec)}</td><td>shared by every process
 *       ({@link RedisCache})</td><td>{@code io.lettuce:lettuce-core} on the class path</td></tr>
 *   <tr><td>{@link #tiered(CacheBuilder, RemoteCacheBuilder)}</td><td>a near cache: a local L1
 *       in front of a remote L2, invalidated across instances</td><td>what its tiers need</td></tr>
 * </table>
 *
 * <pre>{@code
 * CacheAside<String, Order> orders = CacheAside.builder(
 *         Caches.tiered(Caches.<String, Order>inMemory().maximumSize(10_000),
 *                 Caches.redis(redis, Codecs.json(Order.class)).name("orders").invalidationChannel(pubSub))
 *             .localTtl(Duration.ofSeconds(5)))
 *     .ttl(Duration.ofMinutes(5))
 *     .build();
 * }</pre>
 */
public final class Caches {

  /** The default bound on entries of an in-memory cache. */
  public static final long DEFAULT_MAXIMUM_SIZE = 10_000;

  /** The default name of a cache. */
  public static final String DEFAULT_NAME = "default";

  /** The default longest time an entry stays in the L1 of a tiered cache. */
  public static final Duration DEFAULT_LOCAL_TTL = Duration.ofSeconds(10);

  private Caches() {}

  /**
   * Returns a builder of an in-memory cache on Caffeine, bounded to
   * {@value #DEFAULT_MAXIMUM_SIZE} entries unless told otherwise.
   *
   * @param <K> the key type
   * @param <V> the value type
   * @return a new builder
   */
  public static <K, V> InMemoryBuilder<K, V> inMemory() {
    return new InMemoryBuilder<>();
  }

  /**
   * Returns a builder of a cache in Redis, on a standalone connection with Layerkit's codec
   * ({@code dev.layerkit.core.redis.RedisConnections}); see {@link RedisCache}. Needs
   * {@code io.lettuce:lettuce-core} on the class path.
   *
   * @param connection the connection, owned by the caller and shareable
   * @param codec the value codec
   * @param <K> the key type
   * @param <V> the value type
   * @return a new builder
   * @throws NullPointerException if an argument is null
   */
  public static <K, V> RedisCache.Builder<K, V> redis(StatefulRedisConnection<String, byte[]> connection,
      Codec<V> codec) {
    return RedisCache.builder(connection, codec);
  }

  /**
   * Returns a builder of a cache in a Redis Cluster; see {@link RedisCache}.
   *
   * @param connection the cluster connection with Layerkit's codec, owned by the caller
   * @param codec the value codec
   * @param <K> the key type
   * @param <V> the value type
   * @return a new builder
   * @throws NullPointerException if an argument is null
   */
  public static <K, V> RedisCache.Builder<K, V> redis(StatefulRedisClusterConnection<String, byte[]> connection,
      Codec<V> codec) {
    return RedisCache.builder(connection, codec);
  }

  /**
   * Returns a builder of a near cache: {@code local} (L1) in front of {@code remote} (L2), kept
   * consistent across instances by invalidation messages; L1 entries live at most
   * {@link #DEFAULT_LOCAL_TTL} unless {@link TieredBuilder#localTtl(Duration)} says otherwise.
   *
   * <p>Reads try L1, then L2 (copying an L2 hit into L1 for at most the local TTL). Writes and
   * invalidations go to L2, drop the L1 entry and publish the key on the remote's invalidation
   * channel; every other instance drops its L1 entry when the message arrives (an instance ignores
   * its own messages). When the channel reconnects, L1 is cleared, since messages may have been
   * missed while it was down. The local TTL caps how long an L1 entry lives at all, which bounds
   * staleness even if a message is lost.
   *
   * <p>When the remote tier fails, reads fall through to the caller's loader, writes still drop
   * the L1 entry, and the remote backend's own failure handling applies. If the invalidation
   * channel cannot be subscribed at build (the server is down at start), the cache starts anyway
   * with L1 bypassed, retries in the background, and clears L1 when subscribed (see
   * {@link TieredCache}); its health check says {@code DEGRADED} meanwhile. Close the
   * {@link TieredCache} (or the {@link CacheAside} over it) to stop listening.
   *
   * @param local the L1, normally {@link #inMemory()}
   * @param remote the L2 with its invalidation channel, normally {@code redis(...)}
   * @param <K> the key type
   * @param <V> the value type
   * @return a new builder
   * @throws NullPointerException if an argument is null
   */
  public static <K, V> TieredBuilder<K, V> tiered(CacheBuilder<K, V> local, RemoteCacheBuilder<K, V> remote) {
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(remote, "remote");
    return new TieredBuilder<>(local, remote);
  }

  /**
   * Configures an in-memory cache; what {@link #inMemory()} returns. Setters validate at once;
   * each may be given once. Not thread-safe; the cache it builds is.
   *
   * @param <K> the key type
   * @param <V> the value type
   */
  public static final class InMemoryBuilder<K, V> implements CacheBuilder<K, V> {
    private final BuilderSettings settings = new BuilderSettings();
    String name = DEFAULT_NAME;
    long maximumSize = DEFAULT_MAXIMUM_SIZE;
    long maximumWeight;
    long maximumEntryWeight = Long.MAX_VALUE;
    @Nullable Weigher<? super K, ? super V> weigher;
    TimeSource timeSource = TimeSource.system();
    @Nullable Executor executor;

    InMemoryBuilder() {}

    /**
     * Sets the name used in metrics and logs; {@value Caches#DEFAULT_NAME} by default.
     *
     * @param name the name
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     * @throws IllegalStateException if already set
     */
    public InMemoryBuilder<K, V> name(String name) {
      Arguments.notBlank(name, "name");
      settings.requireUnset("name", this.name);
      this.name = name;
      return this;
    }

    /**
     * Bounds the cache to {@code maximumSize} entries; beyond it Caffeine evicts by frequency and
     * recency (W-TinyLFU).
     *
     * @param maximumSize the bound
     * @return this builder
     * @throws IllegalArgumentException if {@code maximumSize} is negative
     * @throws IllegalStateException if a size or weight bound was already set
     */
    public InMemoryBuilder<K, V> maximumSize(long maximumSize) {
      Arguments.notNegative(maximumSize, "maximumSize");
      // One setting for both bounds: a cache is bounded by size or by weight.
      settings.requireUnset("bound", describeBound());
      this.maximumSize = maximumSize;
      return this;
    }

    /**
     * Bounds the cache by total weight instead of entries, and refuses single entries heavier than
     * {@code maximumEntryWeight}: they are not cached and are counted in
     * {@link Cache#rejectedCount()}.
     *
     * @param maximumWeight the bound on the sum of weights
     * @param maximumEntryWeight the largest weight one entry may have
     * @param weigher the weight of an entry, for example its size in bytes; must be cheap
     * @return this builder
     * @throws NullPointerException if {@code weigher} is null
     * @throws IllegalArgumentException if a weight is negative, or {@code maximumEntryWeight}
     *     exceeds {@code maximumWeight}
     * @throws IllegalStateException if a size or weight bound was already set
     */
    public InMemoryBuilder<K, V> maximumWeight(long maximumWeight, long maximumEntryWeight,
        Weigher<? super K, ? super V> weigher) {
      Objects.requireNonNull(weigher, "weigher");
      Arguments.notNegative(maximumWeight, "maximumWeight");
      if (maximumEntryWeight < 0 || maximumEntryWeight > maximumWeight) {
        throw new IllegalArgumentException(
            "maximumEntryWeight must be in [0, " + maximumWeight + "] but was " + maximumEntryWeight);
      }
      settings.requireUnset("bound", describeBound());
      this.maximumWeight = maximumWeight;
      this.maximumEntryWeight = maximumEntryWeight;
      this.weigher = weigher;
      return this;
    }

    /**
     * Sets the time source for expiry; meant for tests with a {@code ManualTimeSource}, which
     * Caffeine's ticker then reads directly. With the default, {@code TimeSource.system()}, the
     * ticker is a {@link dev.layerkit.core.internal.CoarseTimeSource}, so an entry may be served up to
     * about a millisecond past its TTL.
     *
     * @param timeSource the time source
     * @return this builder
     * @throws NullPointerException if {@code timeSource} is null
     * @throws IllegalStateException if already set
     */
    public InMemoryBuilder<K, V> timeSource(TimeSource timeSource) {
      Objects.requireNonNull(timeSource, "timeSource");
      settings.requireUnset("timeSource", this.timeSource);
      this.timeSource = timeSource;
      return this;
    }

    /**
     * Sets where Caffeine runs the cache's maintenance (eviction, expiry cleanup, the size policy's
     * bookkeeping of reads); {@code ForkJoinPool.commonPool()}, Caffeine's default, unless set.
     * {@code Runnable::run} runs it on the calling threads, which is deterministic but makes a hit
     * replay buffered reads now and then (about 5 ns a hit more on average).
     *
     * @param executor the executor
     * @return this builder
     * @throws NullPointerException if {@code executor} is null
     * @throws IllegalStateException if already set
     */
    public InMemoryBuilder<K, V> executor(Executor executor) {
      Objects.requireNonNull(executor, "executor");
      settings.requireUnset("executor", this.executor);
      this.executor = executor;
      return this;
    }

    private String describeBound() {
      return weigher != null ? "maximumWeight " + maximumWeight : "maximumSize " + maximumSize;
    }

    /**
     * Builds the cache.
     *
     * @return a thread-safe cache
     */
    @Override
    public Cache<K, V> build() {
      return new InMemoryCache<>(this, weigher);
    }

    /**
     * Builds a cache of this configuration whose values wrap this builder's; a weigher weighs the
     * wrapped value (an entry without one weighs 1). How a {@link CacheAside} gets its backend.
     *
     * @param wrapping how a stored value wraps a configured one
     * @param <E> the stored type
     * @return a thread-safe cache
     * @throws NullPointerException if {@code wrapping} is null
     */
    @Override
    public <E> Cache<K, E> buildWrapped(Wrapping<V, E> wrapping) {
      Objects.requireNonNull(wrapping, "wrapping");
      Weigher<? super K, ? super V> valueWeigher = weigher;
      Weigher<K, E> entryWeigher = valueWeigher == null ? null : (key, entry) -> {
        V value = wrapping.unwrap(entry);
        return value == null ? 1 : valueWeigher.weigh(key, value);
      };
      return new InMemoryCache<>(this, entryWeigher);
    }
  }

  /**
   * Configures a near cache; what {@link #tiered(CacheBuilder, RemoteCacheBuilder)} returns. Each
   * setting may be given once. Not thread-safe; the cache it builds is.
   *
   * @param <K> the key type
   * @param <V> the value type
   */
  public static final class TieredBuilder<K, V> implements CacheBuilder<K, V> {
    private final BuilderSettings settings = new BuilderSettings();
    private final CacheBuilder<K, V> local;
    private final RemoteCacheBuilder<K, V> remote;
    private Duration localTtl = DEFAULT_LOCAL_TTL;

    TieredBuilder(CacheBuilder<K, V> local, RemoteCacheBuilder<K, V> remote) {
      this.local = local;
      this.remote = remote;
    }

    /**
     * Sets the longest time an entry stays in L1, which bounds staleness even if an invalidation
     * message is lost: choose it as the longest staleness you accept. {@link #DEFAULT_LOCAL_TTL}
     * by default.
     *
     * @param localTtl the local TTL
     * @return this builder
     * @throws NullPointerException if {@code localTtl} is null
     * @throws IllegalArgumentException if it is not positive
     * @throws IllegalStateException if already set
     */
    public TieredBuilder<K, V> localTtl(Duration localTtl) {
      Arguments.positive(localTtl, "localTtl");
      settings.requireUnset("localTtl", this.localTtl);
      this.localTtl = localTtl;
      return this;
    }

    /**
     * Builds both tiers and subscribes to the remote's invalidation channel, or, if that fails
     * now, starts with L1 bypassed and subscribes in the background.
     *
     * @return the tiered cache; close it to stop listening
     * @throws IllegalStateException if the remote has no invalidation channel
     */
    @Override
    public TieredCache<K, V> build() {
      return new TieredCache<>(local.build(), remote.build(), localTtl);
    }

    /**
     * Builds both tiers with values that wrap this builder's, and subscribes; how a
     * {@link CacheAside} gets a tiered backend.
     *
     * @param wrapping how a stored value wraps a configured one
     * @param <E> the stored type
     * @return the tiered cache; close it to stop listening
     * @throws NullPointerException if {@code wrapping} is null
     * @throws IllegalStateException if the remote has no invalidation channel
     */
    @Override
    public <E> TieredCache<K, E> buildWrapped(Wrapping<V, E> wrapping) {
      Objects.requireNonNull(wrapping, "wrapping");
      return new TieredCache<>(local.buildWrapped(wrapping), remote.buildWrapped(wrapping), localTtl);
    }
  }
}
