package dev.layerkit.cache;

import com.github.benmanes.caffeine.cache.Weigher;
import dev.layerkit.cache.internal.CacheArguments;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.time.TimeSource;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * Entry point to the {@link Cache} backends: {@link #inMemory()} on Caffeine and
 * {@link #tiered(Cache, RemoteCache, Duration)}, a near cache in front of a remote one. The Redis
 * backend is {@code dev.layerkit.cache.redis.RedisCache}.
 *
 * <pre>{@code
 * Cache<String, CachedValue<Order>> local = Caches.<String, CachedValue<Order>>inMemory()
 *     .name("orders").maximumSize(10_000).build();
 * Cache<String, CachedValue<Order>> near = Caches.tiered(local, redisCache, Duration.ofSeconds(5));
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
   * Returns a near cache with an L1 TTL of {@link #DEFAULT_LOCAL_TTL}; see
   * {@link #tiered(Cache, RemoteCache, Duration)}.
   *
   * @param local the L1 cache
   * @param remote the L2 cache with its invalidation channel
   * @param <K> the key type
   * @param <V> the value type
   * @return the tiered cache, also {@link AutoCloseable}
   * @throws NullPointerException if an argument is null
   */
  public static <K, V> TieredCache<K, V> tiered(Cache<K, V> local, RemoteCache<K, V> remote) {
    return tiered(local, remote, DEFAULT_LOCAL_TTL);
  }

  /**
   * Returns a near cache: {@code local} (L1) in front of {@code remote} (L2), kept consistent
   * across instances by invalidation messages.
   *
   * <p>Reads try L1, then L2 (copying an L2 hit into L1 for at most {@code localTtl}). Writes and
   * invalidations go to L2, drop the L1 entry and publish the key on the remote's invalidation
   * channel; every other instance drops its L1 entry when the message arrives (an instance ignores
   * its own messages). When the channel reconnects, L1 is cleared, since messages may have been
   * missed while it was down. {@code localTtl} caps how long an L1 entry lives at all, which
   * bounds staleness even if a message is lost: choose it as the longest staleness you accept.
   *
   * <p>When the remote tier fails, reads fall through to the caller's loader, writes still drop
   * the L1 entry, and the remote backend's own failure handling applies. Call
   * {@link TieredCache#close()} (through {@link AutoCloseable}) to stop listening.
   *
   * @param local the L1 cache, normally {@link #inMemory()}; its entries are cleared by this cache
   * @param remote the L2 cache with its invalidation channel
   * @param localTtl the longest time an entry stays in L1
   * @param <K> the key type
   * @param <V> the value type
   * @return the tiered cache, also {@link AutoCloseable}
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code localTtl} is not positive
   */
  public static <K, V> TieredCache<K, V> tiered(Cache<K, V> local, RemoteCache<K, V> remote, Duration localTtl) {
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(remote, "remote");
    Arguments.positive(localTtl, "localTtl");
    return new TieredCache<>(local, remote, localTtl);
  }

  /**
   * Configures an in-memory cache. Setters validate at once; each may be given once.
   * Not thread-safe; the cache it builds is.
   *
   * @param <K> the key type
   * @param <V> the value type
   */
  public static final class InMemoryBuilder<K, V> {
    String name = DEFAULT_NAME;
    long maximumSize = DEFAULT_MAXIMUM_SIZE;
    long maximumWeight;
    long maximumEntryWeight = Long.MAX_VALUE;
    @Nullable Weigher<? super K, ? super V> weigher;
    TimeSource timeSource = TimeSource.system();
    @Nullable Executor executor;
    private boolean sizeGiven;
    private boolean timeSourceGiven;
    private boolean nameGiven;

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
      CacheArguments.once(nameGiven, "name", this.name);
      this.name = name;
      nameGiven = true;
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
      CacheArguments.once(sizeGiven, "bound", describeBound());
      this.maximumSize = maximumSize;
      sizeGiven = true;
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
      CacheArguments.once(sizeGiven, "bound", describeBound());
      this.maximumWeight = maximumWeight;
      this.maximumEntryWeight = maximumEntryWeight;
      this.weigher = weigher;
      sizeGiven = true;
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
      CacheArguments.once(timeSourceGiven, "timeSource", this.timeSource);
      this.timeSource = timeSource;
      timeSourceGiven = true;
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
      CacheArguments.once(this.executor != null, "executor", String.valueOf(this.executor));
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
    public Cache<K, V> build() {
      return new InMemoryCache<>(this);
    }
  }
}
