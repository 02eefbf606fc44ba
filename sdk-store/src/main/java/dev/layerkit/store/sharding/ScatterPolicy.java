package dev.layerkit.store.sharding;

import dev.layerkit.store.ScatterQueryRejectedException;

/**
 * What a {@link ShardedRepository} does with a query that has no condition on the shard key and
 * so must ask every shard (a scatter-gather query).
 */
public enum ScatterPolicy {
  /** Run it. */
  ALLOW,
  /** Run it and log a warning naming the filter, so that such queries can be found and fixed. */
  LOG,
  /** Refuse it with {@link ScatterQueryRejectedException}. */
  REJECT
}
