package dev.layerkit.cache;

import dev.layerkit.cache.internal.Arguments;
import dev.layerkit.core.time.TimeSource;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Weigher;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The in-memory {@link Cache}: a size- (or weight-) bounded Caffeine cache whose entries each
 * carry their own deadline.
 *
 * <h2>Design</h2>
 *
 * <p>Values are stored by reference, without encoding, in a small holder with the entry's
 * deadline on the {@code TimeSource}'s monotonic clock. A hit is Caffeine's {@code getIfPresent}
 * on a cache without Caffeine expiry, one clock read and a comparison: lock-free and
 * allocation-free. Caffeine's per-entry (variable) expiration would do the same job eagerly, but
 * it reorders a timer wheel on every read, which measured about twice the cost of a plain
 * {@code getIfPresent} (see {@code CacheAsideBenchmark}); a hit is the hot path of every cache, so
 * expiry is lazy instead.
 *
 * <p>Invariant: an entry is never returned at or after its deadline. An expired entry is removed
 * when it is next read (a conditional remove, so a newer value put meanwhile stays); one that is
 * never read again stays until the size bound evicts it, so a cache far below its bound may hold
 * expired entries (memory up to the bound, never a stale answer). Maintenance runs on the calling
 * thread (a same-thread executor), so evictions are visible at once and tests need no waiting.
 */
final class InMemoryCache<K, V> implements Cache<K, V> {

  /** A value and its deadline on the monotonic clock; immutable. */
  private static final class Entry<V> {
    final V value;
    final long deadlineNanos;

    Entry(V value, long deadlineNanos) {
      this.value = value;
      this.deadlineNanos = deadlineNanos;
    }
  }

  private final String name;
  private final com.github.benmanes.caffeine.cache.Cache<K, Entry<V>> cache;
  private final TimeSource timeSource;
  private final @Nullable Weigher<? super K, ? super V> weigher;
  private final long maximumEntryWeight;
  private final LongAdder evictions = new LongAdder();
  private final LongAdder rejected = new LongAdder();

  InMemoryCache(Caches.InMemoryBuilder<K, V> builder) {
    this.name = builder.name;
    this.timeSource = builder.timeSource;
    this.weigher = builder.weigher;
    this.maximumEntryWeight = builder.maximumEntryWeight;
    Caffeine<K, Entry<V>> caffeine = Caffeine.newBuilder()
        .executor(Runnable::run)
        .evictionListener((K key, Entry<V> entry, RemovalCause cause) -> {
          if (cause == RemovalCause.SIZE) {
            evictions.increment();
          }
        });
    Weigher<? super K, ? super V> valueWeigher = builder.weigher;
    this.cache = valueWeigher != null
        ? caffeine.maximumWeight(builder.maximumWeight)
            .weigher((K key, Entry<V> entry) -> valueWeigher.weigh(key, entry.value)).build()
        : caffeine.maximumSize(builder.maximumSize).build();
  }

  @Override
  public @Nullable V get(K key) {
    Entry<V> entry = cache.getIfPresent(Arguments.key(key));
    if (entry == null) {
      return null;
    }
    if (timeSource.nanoTime() - entry.deadlineNanos >= 0) {
      cache.asMap().remove(key, entry);
      return null;
    }
    return entry.value;
  }

  @Override
  public Map<K, V> getAll(Collection<? extends K> keys) {
    Objects.requireNonNull(keys, "keys");
    for (K key : keys) {
      Arguments.key(key);
    }
    long now = timeSource.nanoTime();
    Map<K, V> found = new HashMap<>();
    cache.getAllPresent(keys).forEach((key, entry) -> {
      if (now - entry.deadlineNanos >= 0) {
        cache.asMap().remove(key, entry);
      } else {
        found.put(key, entry.value);
      }
    });
    return found;
  }

  @Override
  public boolean put(K key, V value, Duration ttl) {
    Arguments.key(key);
    Objects.requireNonNull(value, "value");
    Arguments.positive(ttl, "ttl");
    if (weigher != null && weigher.weigh(key, value) > maximumEntryWeight) {
      rejected.increment();
      // A too-large replacement must not leave the older value behind.
      cache.invalidate(key);
      return false;
    }
    cache.put(key, new Entry<>(value, timeSource.nanoTime() + saturatedNanos(ttl)));
    return true;
  }

  /** Caps TTLs beyond about 146 years, which would overflow the deadline. */
  private static long saturatedNanos(Duration ttl) {
    return ttl.compareTo(MAX_TTL) >= 0 ? MAX_TTL_NANOS : ttl.toNanos();
  }

  private static final Duration MAX_TTL = Duration.ofNanos(Long.MAX_VALUE / 2);
  private static final long MAX_TTL_NANOS = Long.MAX_VALUE / 2;

  @Override
  public void invalidate(K key) {
    cache.invalidate(Arguments.key(key));
  }

  @Override
  public void invalidateAll() {
    cache.invalidateAll();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public long evictionCount() {
    return evictions.sum();
  }

  @Override
  public long rejectedCount() {
    return rejected.sum();
  }

  /** Returns the number of entries, expired ones not yet cleaned up included; for tests. */
  long estimatedSize() {
    return cache.estimatedSize();
  }

  @Override
  public String toString() {
    return "InMemoryCache{name=" + name + ", size=" + cache.estimatedSize() + '}';
  }
}
