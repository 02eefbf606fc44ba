package dev.layerkit.cache;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;

/**
 * One load of a key in flight in a {@link CacheAside}: its waiters, and whether an invalidation
 * arrived while it ran (then its result is not cached).
 *
 * @param <V> the value type
 */
final class LoadFlight<V> extends CompletableFuture<@Nullable V> {

  volatile boolean invalidated;
  /** The thread that loads on the caller's side; a background refresh has none. */
  final @Nullable Thread owner;

  LoadFlight(@Nullable Thread owner) {
    this.owner = owner;
  }

  /** Waits for the load; every waiter gets the loader's own exception, as the loading caller does. */
  @Nullable V await() {
    try {
      return join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw e;
    }
  }
}
