package dev.layerkit.cache;

import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Cache} shared by several processes, with a channel on which they tell each other about
 * invalidations; the L2 of {@link Caches#tiered(CacheBuilder, RemoteCacheBuilder)}.
 *
 * <p>Thread-safe. Publishing is best effort: a message lost while the server is unreachable is
 * covered by {@link InvalidationListener#resubscribed()} and the near cache's short local TTL.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface RemoteCache<K, V> extends Cache<K, V> {

  /**
   * Returns the value cached for {@code key} with the time it has left, in one round trip; what a
   * near cache needs so that its copy never outlives the remote entry.
   *
   * @param key the key
   * @return the value and its remaining TTL, or null on a miss (or a failure)
   * @throws NullPointerException if {@code key} is null
   */
  @Nullable Hit<V> getHit(K key);

  /**
   * Returns the values cached for {@code keys} with the time each has left, in one round trip.
   *
   * @param keys the keys
   * @return a new map of the keys found
   * @throws NullPointerException if {@code keys} or one of them is null
   */
  Map<K, Hit<V>> getAllHits(Collection<? extends K> keys);

  /**
   * A remote hit: the value and how long its entry still lives.
   *
   * @param value the value
   * @param remainingTtl the entry's remaining time to live, positive
   * @param <V> the value type
   */
  record Hit<V>(V value, Duration remainingTtl) {}

  /**
   * Returns the codec that maps keys to the strings stored and published.
   *
   * @return the key codec
   */
  KeyCodec<K> keyCodec();

  /**
   * Tells every subscriber of this cache's channel that {@code key} changed.
   *
   * @param origin the publishing instance's id, handed back to subscribers so an instance can
   *     skip its own messages; must not contain {@code '|'}
   * @param key the key, or null for "every entry"
   * @throws NullPointerException if {@code origin} is null
   */
  void publishInvalidation(String origin, @Nullable K key);

  /**
   * Tells every subscriber that {@code keys} changed; a backend may send the messages in one
   * batch.
   *
   * @param origin the publishing instance's id
   * @param keys the keys
   * @throws NullPointerException if {@code origin}, {@code keys} or one of them is null
   */
  default void publishInvalidations(String origin, Collection<? extends K> keys) {
    for (K key : keys) {
      publishInvalidation(origin, Objects.requireNonNull(key, "key"));
    }
  }

  /**
   * Starts delivering this cache's invalidation messages to {@code listener}.
   *
   * @param listener called on a client thread for every message; must be quick and must not
   *     block
   * @return the subscription, to close when done
   * @throws NullPointerException if {@code listener} is null
   * @throws IllegalStateException if the backend was built without an invalidation channel: a
   *     configuration error, which fails the build of a tiered cache
   * @throws RuntimeException any other (backend-specific) exception if the subscription cannot be
   *     made now, for example while the server is unreachable: a tiered cache then starts anyway
   *     and calls this method again in the background until it succeeds
   */
  Subscription subscribeInvalidations(InvalidationListener<K> listener);

  /**
   * Returns a check of the remote server: {@code UP} when it answers, else {@code DEGRADED}
   * (reads go to the loader). By default always {@code UP}, for a backend that cannot tell.
   *
   * @return the check, named for the cache
   */
  default HealthCheck healthCheck() {
    return HealthCheck.of("cache-" + name(), () -> Health.up().build());
  }

  /** A subscription to invalidation messages. */
  interface Subscription extends AutoCloseable {

    /** Stops the deliveries; never throws. */
    @Override
    void close();
  }

  /**
   * Receives invalidation messages.
   *
   * @param <K> the key type
   */
  interface InvalidationListener<K> {

    /**
     * Called for a message from {@code origin}.
     *
     * @param origin the publisher's id
     * @param key the key, or null for "every entry"
     */
    void invalidated(String origin, @Nullable K key);

    /**
     * Called when the subscription was re-established after a disconnect, during which messages
     * may have been lost.
     */
    void resubscribed();
  }
}
