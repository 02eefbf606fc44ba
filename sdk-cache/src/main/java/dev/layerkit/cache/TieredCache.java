package dev.layerkit.cache;

import dev.layerkit.cache.internal.CacheArguments;
import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.DaemonSchedulers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
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
 * before the L2 read and checked after it (and the copy lives no longer than the L2 entry has
 * left), and the copy is skipped if it moved, so an old L2 value cannot be re-installed after its
 * invalidation. A reconnect of the channel clears L1. Whatever is
 * lost anyway, no L1 entry lives longer than the local TTL.
 *
 * <h2>Starting without the channel</h2>
 *
 * <p>The cache subscribes when it is built. If the subscription cannot be made then (the remote
 * server is down at start), it still starts, and until it is subscribed, L1 is bypassed: nothing
 * is copied into it, so reads and writes go to L2 alone (and, with the server down, a
 * {@link CacheAside} over it reads through to its loader). It retries on a shared daemon thread,
 * after {@value #FIRST_SUBSCRIBE_RETRY_MILLIS} ms and then doubling up to
 * {@link #MAX_SUBSCRIBE_RETRY_DELAY}; once subscribed it bumps the epoch and clears L1, the rule of
 * a reconnect, so no entry read while it could not hear invalidations survives. Meanwhile
 * {@link #healthCheck()} is {@code DEGRADED} and says why. A remote without an invalidation
 * channel at all is a configuration error and fails the build.
 *
 * <p>Thread-safe. A hit in L1 costs what the L1 costs; the epoch and the subscription state are
 * read only on an L1 miss and a write.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class TieredCache<K, V> implements Cache<K, V>, AutoCloseable {

  /** The wait before the first retry of a subscription that failed at start, in milliseconds. */
  public static final long FIRST_SUBSCRIBE_RETRY_MILLIS = 100;

  /** The longest wait between retries of a subscription that failed at start. */
  public static final Duration MAX_SUBSCRIBE_RETRY_DELAY = Duration.ofSeconds(2);

  private static final Logger LOG = LoggerFactory.getLogger(TieredCache.class);

  private final Cache<K, V> local;
  private final RemoteCache<K, V> remote;
  private final Duration localTtl;
  private final String id = UUID.randomUUID().toString();
  private final AtomicLong epoch = new AtomicLong();
  private final ScheduledExecutorService retries;
  private final RemoteCache.InvalidationListener<K> listener;
  /** Whether invalidations are heard, so L1 may hold copies; false until the first subscription. */
  private volatile boolean subscribed;
  /** Why the last attempt to subscribe failed, while not subscribed. */
  private volatile @Nullable RuntimeException subscribeFailure;
  // Guarded by this object's monitor.
  private RemoteCache.@Nullable Subscription subscription;
  private @Nullable ScheduledFuture<?> retry;
  private boolean closed;

  TieredCache(Cache<K, V> local, RemoteCache<K, V> remote, Duration localTtl) {
    this(local, remote, localTtl, SubscribeRetries.INSTANCE);
  }

  /**
   * Creates the cache and subscribes, or schedules the retries of the subscription on
   * {@code retries}.
   *
   * @throws IllegalStateException if the remote has no invalidation channel
   */
  TieredCache(Cache<K, V> local, RemoteCache<K, V> remote, Duration localTtl, ScheduledExecutorService retries) {
    this.local = local;
    this.remote = remote;
    this.localTtl = localTtl;
    this.retries = retries;
    this.listener = new RemoteCache.InvalidationListener<>() {
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
    };
    RemoteCache.Subscription made;
    try {
      made = remote.subscribeInvalidations(listener);
    } catch (IllegalStateException e) {
      throw e; // no channel: a configuration error
    } catch (RuntimeException e) {
      subscribeFailure = e;
      LOG.warn("Tiered cache '{}': cannot subscribe to invalidations at start ({}); L1 is bypassed until it"
          + " can, retrying in the background", remote.name(), e.toString());
      synchronized (this) {
        scheduleRetry(FIRST_SUBSCRIBE_RETRY_MILLIS);
      }
      return;
    }
    synchronized (this) {
      subscription = made;
    }
    subscribed = true;
  }

  /** Schedules the next attempt; called with the monitor held. */
  private void scheduleRetry(long delayMillis) {
    if (closed) {
      return;
    }
    try {
      retry = retries.schedule(() -> retrySubscribe(delayMillis), delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      LOG.warn("Tiered cache '{}': cannot schedule the subscription retry ({}); L1 stays bypassed",
          remote.name(), e.toString());
    }
  }

  private void retrySubscribe(long delayMillis) {
    synchronized (this) {
      if (closed) {
        return;
      }
    }
    RemoteCache.Subscription made;
    try {
      made = remote.subscribeInvalidations(listener);
    } catch (RuntimeException e) {
      subscribeFailure = e;
      LOG.debug("Tiered cache '{}': subscribing to invalidations failed again: {}", remote.name(), e.toString());
      synchronized (this) {
        scheduleRetry(Math.min(delayMillis * 2, MAX_SUBSCRIBE_RETRY_DELAY.toMillis()));
      }
      return;
    }
    synchronized (this) {
      if (closed) {
        made.close();
        return;
      }
      subscription = made;
      retry = null;
      // A read that began before this point sees the epoch move and keeps its value out of L1.
      epoch.incrementAndGet();
      subscribed = true;
      subscribeFailure = null;
      local.invalidateAll();
    }
    LOG.info("Tiered cache '{}': subscribed to invalidations; cleared L1, which is used from now on", remote.name());
  }

  /**
   * Returns whether this cache hears invalidation messages, so L1 is in use: true once a
   * subscription has been made (it may be reconnecting now), false while the one that failed at
   * start is retried.
   *
   * @return whether subscribed
   */
  public boolean isSubscribed() {
    return subscribed;
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
    if (subscribed && epoch.get() == before) {
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
      if (subscribed && epoch.get() == before) {
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
    if (stored && subscribed) {
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
   * Returns the remote tier's health check, {@code DEGRADED} with the reason while this cache is
   * not subscribed to invalidations (L1 bypassed; see the class comment): when it is not
   * {@code UP}, reads go to the remote tier or the loader.
   *
   * @return the check, named as the remote's
   */
  public HealthCheck healthCheck() {
    HealthCheck remoteCheck = remote.healthCheck();
    return HealthCheck.of(remoteCheck.name(), () -> {
      Health health = remoteCheck.check();
      RuntimeException failure = subscribeFailure;
      if (subscribed || health.status() == HealthStatus.DOWN) {
        return health;
      }
      Health.Builder degraded = Health.degraded("not subscribed to the invalidation channel yet ("
          + (failure == null ? "retrying" : failure.toString()) + "); L1 is bypassed until it is");
      health.details().forEach((key, value) -> {
        if (!"reason".equals(key)) {
          degraded.detail(key, value);
        }
      });
      if (health.status() == HealthStatus.DEGRADED && health.details().get("reason") != null) {
        degraded.detail("remote", health.details().get("reason"));
      }
      return degraded.build();
    });
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
   * Stops listening for invalidations (and retrying to subscribe); the caches themselves stay
   * open (they belong to the caller). Never throws.
   */
  @Override
  public void close() {
    RemoteCache.Subscription current;
    synchronized (this) {
      closed = true;
      if (retry != null) {
        retry.cancel(false);
        retry = null;
      }
      current = subscription;
      subscription = null;
    }
    if (current != null) {
      current.close();
    }
  }

  /** One daemon thread shared by every tiered cache, for retries of a subscription that failed. */
  private static final class SubscribeRetries {
    static final ScheduledExecutorService INSTANCE = DaemonSchedulers.create("layerkit-cache-subscribe", 1);
  }

  @Override
  public String toString() {
    return "TieredCache{local=" + local + ", remote=" + remote + ", localTtl=" + localTtl + '}';
  }
}
