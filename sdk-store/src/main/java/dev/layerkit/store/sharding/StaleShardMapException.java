package dev.layerkit.store.sharding;

import dev.layerkit.store.StoreException;

/**
 * A write carried a shard map version that is no longer the stored one: another instance changed
 * the map (started or finished a rebalance). Thrown by {@link ShardMapStore#fenced} before the
 * write runs, so nothing was written; a {@link ShardedRepository} catches it, adopts
 * {@link #current()} and routes the write again, so its callers see it only when the map kept
 * changing through every retry.
 */
public final class StaleShardMapException extends StoreException {

  private static final long serialVersionUID = 1L;

  private final transient ShardMap current;

  private StaleShardMapException(String message, ShardMap current) {
    super(message, null, false);
    this.current = current;
  }

  /**
   * Creates the exception.
   *
   * @param expectedVersion the version the write carried
   * @param current the stored map
   * @return the exception, without a stack trace (it is a routine rejection)
   */
  public static StaleShardMapException of(long expectedVersion, ShardMap current) {
    return new StaleShardMapException("shard map of " + current.repository() + " is at version "
        + current.version() + ", not " + expectedVersion + "; the write was not run", current);
  }

  /**
   * Returns the map as stored when the write was rejected.
   *
   * @return the current map
   */
  public ShardMap current() {
    return current;
  }
}
