package dev.layerkit.cache;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A cache of values by key, each entry with its own time to live: the SPI that
 * {@link CacheAside} reads through and that every backend implements.
 *
 * <p>A backend maps keys to strings with a {@link KeyCodec} and, where it stores bytes, values
 * with a {@code dev.layerkit.core.codec.Codec}. Entries are dropped when their TTL passes, may be
 * dropped earlier (size bound, eviction, a remote outage), and are never served after their TTL
 * as the backend's clock tells it (the in-memory backend on the system time source, when read
 * often, reads a clock refreshed every millisecond, so its TTLs end up to about a millisecond
 * late).
 *
 * <p>Implementations are thread-safe. A remote backend never throws for a slow or unreachable
 * server: it bounds each call by a timeout, treats a failed read as a miss and a failed write as
 * not written, and counts the failure in {@link #errorCount()}. It throws only for bad input (a
 * null key, a value its codec cannot encode).
 *
 * <pre>{@code
 * Cache<String, Order> cache = Caches.<String, Order>inMemory().maximumSize(10_000).build();
 * cache.put("o-1", order, Duration.ofMinutes(5));
 * Order hit = cache.get("o-1");          // null on a miss
 * }</pre>
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface Cache<K, V> {

  /**
   * Returns the value cached for {@code key}, or null if there is none (never cached, expired,
   * evicted or invalidated, or the backend is unreachable).
   *
   * @param key the key
   * @return the value, or null
   * @throws NullPointerException if {@code key} is null
   */
  @Nullable V get(K key);

  /**
   * Returns the values cached for {@code keys}: one call for all of them (a remote backend makes
   * one round trip).
   *
   * @param keys the keys; duplicates are looked up once
   * @return a new map holding the keys that were found, with their values
   * @throws NullPointerException if {@code keys} or one of them is null
   */
  Map<K, V> getAll(Collection<? extends K> keys);

  /**
   * Caches {@code value} under {@code key} for {@code ttl}, replacing any earlier value.
   *
   * <p>A value larger than the backend's maximum is not cached (and is counted in
   * {@link #rejectedCount()}); a remote backend that cannot be reached drops the write.
   *
   * @param key the key
   * @param value the value
   * @param ttl how long the entry lives; positive
   * @return true if the value was stored, false if it was rejected as too large or the write
   *     failed
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code ttl} is not positive
   * @throws dev.layerkit.core.codec.CodecException if the value codec cannot encode {@code value};
   *     nothing is cached then
   */
  boolean put(K key, V value, Duration ttl);

  /**
   * Caches several entries with one TTL; a remote backend sends them in one pipelined batch.
   *
   * @param entries the entries
   * @param ttl how long each entry lives; positive
   * @throws NullPointerException if an argument, a key or a value is null
   * @throws IllegalArgumentException if {@code ttl} is not positive
   * @throws dev.layerkit.core.codec.CodecException if a value cannot be encoded; nothing of the
   *     batch is cached then
   */
  default void putAll(Map<? extends K, ? extends V> entries, Duration ttl) {
    entries.forEach((key, value) -> put(key, value, ttl));
  }

  /**
   * Removes the entry for {@code key}, if any.
   *
   * @param key the key
   * @throws NullPointerException if {@code key} is null
   */
  void invalidate(K key);

  /**
   * Removes every entry of this cache (for a remote backend: every key under its namespace, not
   * the whole server).
   */
  void invalidateAll();

  /**
   * Returns the cache's name, used in metrics, logs and health checks.
   *
   * @return the name
   */
  String name();

  /**
   * Returns how many entries were evicted for size (not expired or invalidated) so far.
   *
   * @return the count; 0 for a backend that does not know
   */
  default long evictionCount() {
    return 0;
  }

  /**
   * Returns how many remote calls failed, timed out or were skipped by an open circuit breaker so
   * far.
   *
   * @return the count; 0 for a local backend
   */
  default long errorCount() {
    return 0;
  }

  /**
   * Returns how many values were not cached because they were larger than the maximum.
   *
   * @return the count; 0 for a backend without a maximum
   */
  default long rejectedCount() {
    return 0;
  }
}
