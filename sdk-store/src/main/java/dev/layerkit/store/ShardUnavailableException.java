package dev.layerkit.store;

import org.jspecify.annotations.Nullable;

/**
 * Thrown by a {@link dev.layerkit.store.sharding.ShardedRepository} when an operation needs a
 * shard that is down: its circuit breaker opened on a failure within
 * {@link dev.layerkit.store.sharding.ShardedRepositoryBuilder#unavailableFor}, or this call failed.
 * Calls to a shard known to be down fail at once, without waiting for the backend.
 *
 * <p>The message names the shard by index and repository name; {@link #getCause()} is the
 * failure that marked it down.
 */
public final class ShardUnavailableException extends StoreException {

  private static final long serialVersionUID = 1L;

  private final int shard;
  private final String shardName;

  private ShardUnavailableException(int shard, String shardName, String why, @Nullable Throwable cause) {
    super("shard " + shard + " (" + shardName + ") is unavailable: " + why, cause, false);
    this.shard = shard;
    this.shardName = shardName;
  }

  /**
   * Creates the exception.
   *
   * @param shard the shard's index
   * @param shardName the shard's repository name
   * @param why what is known about the failure
   * @param cause the failure that marked the shard down, or null
   * @return the exception
   */
  public static ShardUnavailableException of(int shard, String shardName, String why, @Nullable Throwable cause) {
    return new ShardUnavailableException(shard, shardName, why, cause);
  }

  /**
   * Returns the index of the shard that is down.
   *
   * @return the index, from 0
   */
  public int shard() {
    return shard;
  }

  /**
   * Returns the name of the shard's repository.
   *
   * @return the name
   */
  public String shardName() {
    return shardName;
  }
}
