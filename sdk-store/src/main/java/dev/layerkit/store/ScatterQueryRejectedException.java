package dev.layerkit.store;

/**
 * Thrown by a {@link dev.layerkit.store.sharding.ShardedRepository} whose
 * {@link dev.layerkit.store.sharding.ScatterPolicy} is
 * {@link dev.layerkit.store.sharding.ScatterPolicy#REJECT REJECT}
 * when a query does not name the shard key and so would touch every shard. Nothing was queried.
 */
public final class ScatterQueryRejectedException extends StoreException {

  private static final long serialVersionUID = 1L;

  private ScatterQueryRejectedException(String message) {
    super(message, null, false);
  }

  /**
   * Creates the exception.
   *
   * @param repository the sharded repository's name
   * @param shardKeyField the shard key the query lacked
   * @param filter the rejected filter
   * @return the exception
   */
  public static ScatterQueryRejectedException of(String repository, String shardKeyField, Filter filter) {
    return new ScatterQueryRejectedException("repository " + repository + ": query " + filter
        + " has no equality or 'in' condition on the shard key '" + shardKeyField
        + "' and would touch every shard; the scatter policy is REJECT");
  }
}
