package dev.layerkit.store.sharding;

/**
 * Decides which shard holds a shard key. Built-in strategies come from {@link ShardingStrategies}.
 *
 * <p>The key is the shard key's text: the id's {@code String.valueOf} by default, or the value of
 * the field named in {@link ShardedRepositoryBuilder#shardKey}. Implementations must be
 * thread-safe and deterministic: the same key and count always give the same shard, in every
 * process and release, since the answer decides where data lives. {@link #shardFor} is on the hot
 * path of every routed operation and should not allocate.
 */
public interface ShardingStrategy {

  /**
   * Returns the shard of a key.
   *
   * @param shardKey the shard key's text
   * @param shardCount the number of shards, at least 1 and accepted by {@link #checkShardCount}
   * @return the shard index in {@code [0, shardCount)}
   */
  int shardFor(String shardKey, int shardCount);

  /**
   * Checks that this strategy can spread keys over {@code shardCount} shards; a range strategy,
   * for example, needs exactly one shard per range. Called when a sharded repository is built and
   * before a rebalance.
   *
   * @param shardCount the number of shards
   * @throws IllegalArgumentException if the strategy cannot use that many shards
   */
  default void checkShardCount(int shardCount) {
    if (shardCount < 1) {
      throw new IllegalArgumentException("shardCount must be >= 1 but was " + shardCount);
    }
  }
}
