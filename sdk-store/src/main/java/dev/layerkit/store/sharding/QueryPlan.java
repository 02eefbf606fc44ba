package dev.layerkit.store.sharding;

import dev.layerkit.store.Filter;
import java.util.List;
import java.util.Objects;

/**
 * Which shards a query will touch, from {@link ShardedRepository#explain(Filter)}.
 *
 * @param shards the indices of the shards asked, ascending
 * @param scatter whether the query has no condition on the shard key and so asks every shard
 * @param reason why, in words: the shard key condition used, or its absence
 * @param rebalancing whether a rebalance is in progress, in which case both the old and the new
 *     topology are asked and {@code shards} are indices in the new one
 */
public record QueryPlan(List<Integer> shards, boolean scatter, String reason, boolean rebalancing) {

  /**
   * Creates a plan.
   *
   * @param shards the shard indices, copied
   * @param scatter whether every shard is asked
   * @param reason why
   * @param rebalancing whether a rebalance is in progress
   * @throws NullPointerException if {@code shards} or {@code reason} is null
   */
  public QueryPlan {
    shards = List.copyOf(shards);
    Objects.requireNonNull(reason, "reason");
  }
}
