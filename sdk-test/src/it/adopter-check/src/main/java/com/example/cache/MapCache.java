package com.example.cache;

import dev.layerkit.cache.Cache;
import dev.layerkit.core.time.TimeSource;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A team's own cache backend: a map whose entries expire by the given clock. Thread-safe.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class MapCache<K, V> implements Cache<K, V> {

  private record Entry<V>(V value, long expiresAtNanos) {}

  private final String name;
  private final TimeSource time;
  private final ConcurrentHashMap<K, Entry<V>> entries = new ConcurrentHashMap<>();

  /**
   * Creates an empty cache.
   *
   * @param name the cache's name
   * @param time the clock entries expire by
   */
  public MapCache(String name, TimeSource time) {
    this.name = Objects.requireNonNull(name, "name");
    this.time = Objects.requireNonNull(time, "time");
  }

  @Override
  public V get(K key) {
    Objects.requireNonNull(key, "key");
    Entry<V> entry = entries.get(key);
    if (entry == null) {
      return null;
    }
    if (time.nanoTime() - entry.expiresAtNanos() >= 0) {
      entries.remove(key, entry);
      return null;
    }
    return entry.value();
  }

  @Override
  public Map<K, V> getAll(Collection<? extends K> keys) {
    keys.forEach(key -> Objects.requireNonNull(key, "key"));
    Map<K, V> found = new LinkedHashMap<>();
    for (K key : keys) {
      V value = get(key);
      if (value != null) {
        found.put(key, value);
      }
    }
    return found;
  }

  @Override
  public boolean put(K key, V value, Duration ttl) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isZero() || ttl.isNegative()) {
      throw new IllegalArgumentException("ttl must be > 0 but was " + ttl);
    }
    entries.put(key, new Entry<>(value, time.nanoTime() + ttl.toNanos()));
    return true;
  }

  @Override
  public void invalidate(K key) {
    entries.remove(Objects.requireNonNull(key, "key"));
  }

  @Override
  public void invalidateAll() {
    entries.clear();
  }

  @Override
  public String name() {
    return name;
  }
}
