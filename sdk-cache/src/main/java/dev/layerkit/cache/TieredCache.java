package dev.layerkit.cache;

import dev.layerkit.cache.internal.CacheArguments;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.internal.Arguments;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A near cache: an L1 {@link Cache} in this process in front of a shared L2 {@link RemoteCache},
 * kept consistent across processes by invalidation messages. Made by
 * {@link Caches#tiered(CacheBuilder, RemoteCacheBuilder)}, which describes the behaviour.
 *
 * <h2>Consistency</h2>
 *
 * <p>A change on one instance reaches the others' L1 as a message; an instance ignores its own
 * (it already dropped its entry). A read that copies an L2 value into L1 races with a message that
 * arrives meanwhile: an epoch counter, bumped by every incoming message and reconnect, is read
 * before the L2 read and checked after it (and the copy lives no longer than the L2 entry has left), and the copy is skipped if it moved, so an old L2 value
 * cannot be re-installed after its invalidation. A reconnect of the channel clears L1. Whatever is
 * lost anyway, no L1 entry lives longer than the local TTL.
 *
 * <p>Thread-safe. A hit in L1 costs what the L1 costs; the epoch is read only on an L1 miss.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class TieredCache<K, V> implements Cache<K, V>, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TieredCache.class);

  private final Cache<K, V> local;
  private final RemoteCache<K, V> remote;
  private final Duration localTtl;
  private final String id = UUID.randomUUID().toString();
  private final AtomicLong epoch = new AtomicLong();
  private final RemoteCache.Subscription subscription;

  TieredCache(Cache<K, V> local, RemoteCache<K, V> remote, Duration localTtl) {
    this.local = local;
    this.remote = remote;
    this.localTtl = localTtl;
    this.subscription = remote.subscribeInvalidations(new RemoteCache.InvalidationListener<>() {
      @Override
      public void invalidated(String origin, @Nullable K key) {
        if (id.equals(origin)) {
          return;
        }
        epoch.incrementAndGet();
        if (key == null) {
          local.invalidateAll();
        } else {
          local.invalidate(key);
        }
      }

      @Override
      public void resubscribed() {
        epoch.incrementAndGet();
        local.invalidateAll();
        LOG.info("Tiered cache '{}': invalidation channel reconnected; cleared L1", remote.name());
      }
    });
  }

  @Override
  public @Nullable V get(K key) {
    V value = local.get(key);
    if (value != null) {
      return value;
    }
    long before = epoch.get();
    RemoteCache.Hit<V> hit = remote.getHit(key);
    if (hit == null) {
      return null;
    }
    if (epoch.get() == before) {
      local.put(key, hit.value(), localTtlFor(hit.remainingTtl()));
    }
    return hit.value();
  }

  /** An L1 copy lives no longer than the local TTL, nor than the remote entry. */
  private Duration localTtlFor(Duration remaining) {
    return remaining.compareTo(localTtl) < 0 ? remaining : localTtl;
  }

  @Override
  public Map<K, V> getAll(Collection<? extends K> keys) {
    Objects.requireNonNull(keys, "keys");
    Map<K, V> found = new HashMap<>(local.getAll(keys));
    List<K> missing = new ArrayList<>();
    for (K key : keys) {
      if (!found.containsKey(key)) {
        missing.add(key);
      }
    }
    if (!missing.isEmpty()) {
      long before = epoch.get();
      Map<K, RemoteCache.Hit<V>> hits = remote.getAllHits(missing);
      hits.forEach((key, hit) -> found.put(key, hit.value()));
      if (epoch.get() == before) {
        hits.forEach((key, hit) -> local.put(key, hit.value(), localTtlFor(hit.remainingTtl())));
      }
    }
    return found;
  }

  @Override
  public boolean put(K key, V value, Duration ttl) {
    CacheArguments.key(key);
    Objects.requireNonNull(value, "value");
    Arguments.positive(ttl, "ttl");
    boolean stored = remote.put(key, value, ttl);
    // Others may hold an older value for this key in L1.
    remote.publishInvalidation(id, key);
    if (stored) {
      local.put(key, value, localTtlFor(ttl));
    } else {
      local.invalidate(key);
    }
    return stored;
  }

  @Override
  public void putAll(Map<? extends K, ? extends V> entries, Duration ttl) {
    Objects.requireNonNull(entries, "entries");
    Arguments.positive(ttl, "ttl");
    remote.putAll(entries, ttl);
    remote.publishInvalidations(id, entries.keySet());
    // What the remote stored is not known key by key; L1 reloads from L2 on the next read.
    for (K key : entries.keySet()) {
      local.invalidate(key);
    }
  }

  @Override
  public void invalidate(K key) {
    CacheArguments.key(key);
    local.invalidate(key);
    remote.invalidate(key);
    remote.publishInvalidation(id, key);
  }

  @Override
  public void invalidateAll() {
    local.invalidateAll();
    remote.invalidateAll();
    remote.publishInvalidation(id, null);
  }

  @Override
  public String name() {
    return remote.name();
  }

  @Override
  public long evictionCount() {
    return local.evictionCount();
  }

  @Override
  public long errorCount() {
    return remote.errorCount();
  }

  @Override
  public long rejectedCount() {
    return local.rejectedCount() + remote.rejectedCount();
  }

  /**
   * Returns the remote tier's health check: when it is not {@code UP}, reads go to the loader.
   *
   * @return the remote's check
   */
  public HealthCheck healthCheck() {
    return remote.healthCheck();
  }

  /**
   * Returns this instance's id in invalidation messages.
   *
   * @return the id
   */
  public String instanceId() {
    return id;
  }

  /**
   * Stops listening for invalidations; the caches themselves stay open (they belong to the
   * caller). Never throws.
   */
  @Override
  public void close() {
    subscription.close();
  }

  @Override
  public String toString() {
    return "TieredCache{local=" + local + ", remote=" + remote + ", localTtl=" + localTtl + '}';
  }
}
