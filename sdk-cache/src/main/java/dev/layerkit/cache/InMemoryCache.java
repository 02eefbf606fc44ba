package dev.layerkit.cache;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import com.github.benmanes.caffeine.cache.Weigher;
import dev.layerkit.cache.internal.CacheArguments;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.CoarseTimeSource;
import dev.layerkit.core.time.TimeSource;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The in-memory {@link Cache}: a Caffeine cache whose entries each carry their own TTL.
 *
 * <p>Values are stored by reference, without encoding; a hit is Caffeine's
 * {@code getIfPresent}, lock-free and allocation-free. Per-entry TTLs go through Caffeine's
 * variable expiration ({@link Policy.VarExpiration#put(Object, Object, Duration)}), so no holder
 * object wraps a value; the {@link Expiry} only keeps an entry's remaining time on reads and
 * updates. Time is the {@code TimeSource} through Caffeine's {@code Ticker}, which Caffeine reads
 * on every hit; with {@link TimeSource#system()} the ticker is a {@link CoarseTimeSource} instead
 * (a clock read costs as much as the rest of a hit in a virtual machine), so an entry may be
 * served up to about a millisecond (one tick, more if the ticking thread is descheduled) past its
 * TTL. With any other source (a test's {@code ManualTimeSource}) the ticker reads that source.
 *
 * <p>Maintenance (the size policy's bookkeeping of reads and writes, eviction, removal of expired
 * entries) runs where Caffeine runs it by default, on {@code ForkJoinPool.commonPool()}, unless
 * the builder names an executor: a hit then only records itself in Caffeine's read buffer. A
 * same-thread executor ({@code Runnable::run}) would replay the buffered reads on the reading
 * thread, which measured about 5 ns a hit more. Expiry does not depend on it (Caffeine checks an
 * entry's expiry on every read), and {@link #evictionCount()} and {@link #estimatedSize()} run
 * pending maintenance first, so they are exact when read.
 */
final class InMemoryCache<K, V> implements Cache<K, V> {

  private final String name;
  private final com.github.benmanes.caffeine.cache.Cache<K, V> cache;
  private final Policy.VarExpiration<K, V> expiration;
  private final @Nullable Weigher<? super K, ? super V> weigher;
  private final long maximumEntryWeight;
  private final LongAdder evictions = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  /** Held for the cache's life; released when it is collected (a cache has no close). */
  private final @Nullable CoarseTimeSource coarseClock;

  /**
   * Builds the cache of a builder, whose values are this cache's ({@code build()}) or wrapped in
   * this cache's ({@code buildWrapped}), with {@code weigher} adapted to them.
   */
  InMemoryCache(Caches.InMemoryBuilder<K, ?> builder, @Nullable Weigher<? super K, ? super V> weigher) {
    this.name = builder.name;
    this.weigher = weigher;
    this.maximumEntryWeight = builder.maximumEntryWeight;
    CoarseTimeSource coarse = builder.timeSource == TimeSource.system() ? CoarseTimeSource.acquire() : null;
    this.coarseClock = coarse;
    // Two capture sites, so that the coarse one calls a final class, not an interface.
    Ticker ticker = coarse != null ? coarse::nanoTime : builder.timeSource::nanoTime;
    Caffeine<K, V> caffeine = Caffeine.newBuilder()
        .ticker(ticker)
        .expireAfter(new KeepRemaining<K, V>())
        .evictionListener((K key, V value, RemovalCause cause) -> {
          if (cause == RemovalCause.SIZE) {
            evictions.increment();
          }
        });
    if (builder.executor != null) {
      caffeine.executor(builder.executor);
    }
    this.cache = weigher != null
        ? caffeine.maximumWeight(builder.maximumWeight).weigher(weigher).build()
        : caffeine.maximumSize(builder.maximumSize).build();
    this.expiration = cache.policy().expireVariably().orElseThrow();
  }

  /** Entries get their TTL from {@code put}; reads and plain updates keep what remains. */
  private static final class KeepRemaining<K, V> implements Expiry<K, V> {
    @Override
    public long expireAfterCreate(K key, V value, long currentTime) {
      // Only reached by a put without a duration, which this class never makes.
      return 0;
    }

    @Override
    public long expireAfterUpdate(K key, V value, long currentTime, long currentDuration) {
      return currentDuration;
    }

    @Override
    public long expireAfterRead(K key, V value, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }

  @Override
  public @Nullable V get(K key) {
    return cache.getIfPresent(CacheArguments.key(key));
  }

  @Override
  public Map<K, V> getAll(Collection<? extends K> keys) {
    Objects.requireNonNull(keys, "keys");
    for (K key : keys) {
      CacheArguments.key(key);
    }
    return cache.getAllPresent(keys);
  }

  @Override
  public boolean put(K key, V value, Duration ttl) {
    CacheArguments.key(key);
    Objects.requireNonNull(value, "value");
    Arguments.positive(ttl, "ttl");
    if (weigher != null && weigher.weigh(key, value) > maximumEntryWeight) {
      rejected.increment();
      // A too-large replacement must not leave the older value behind.
      cache.invalidate(key);
      return false;
    }
    expiration.put(key, value, ttl);
    return true;
  }

  @Override
  public void invalidate(K key) {
    cache.invalidate(CacheArguments.key(key));
  }

  @Override
  public void invalidateAll() {
    cache.invalidateAll();
  }

  @Override
  public String name() {
    return name;
  }

  /** Runs pending maintenance first, so that evictions due to earlier writes are counted. */
  @Override
  public long evictionCount() {
    cache.cleanUp();
    return evictions.sum();
  }

  @Override
  public long rejectedCount() {
    return rejected.sum();
  }

  /** Returns the number of entries after pending maintenance; for tests. */
  long estimatedSize() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  @Override
  public String toString() {
    return "InMemoryCache{name=" + name + ", size=" + cache.estimatedSize() + '}';
  }
}
