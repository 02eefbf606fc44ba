package dev.layerkit.cache;

import org.jspecify.annotations.Nullable;

/**
 * A {@link Cache} shared by several processes, with a channel on which they tell each other about
 * invalidations; the L2 of {@link Caches#tiered(Cache, RemoteCache, java.time.Duration)}.
 *
 * <p>Thread-safe. Publishing is best effort: a message lost while the server is unreachable is
 * covered by {@link InvalidationListener#resubscribed()} and the near cache's short local TTL.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface RemoteCache<K, V> extends Cache<K, V> {

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
   * Starts delivering this cache's invalidation messages to {@code listener}.
   *
   * @param listener called on a client thread for every message; must be quick and must not
   *     block
   * @return closes the subscription
   * @throws NullPointerException if {@code listener} is null
   * @throws IllegalStateException if the backend was built without an invalidation channel
   */
  AutoCloseable subscribeInvalidations(InvalidationListener<K> listener);

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
