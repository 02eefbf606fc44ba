package dev.layerkit.store.sharding;

import dev.layerkit.store.Filter;
import java.util.List;

/**
 * The result of a scatter query that accepts missing shards, from
 * {@link ShardedRepository#findAllAllowingPartial(Filter)}: what the shards that answered
 * returned, and which shards did not.
 *
 * @param values the merged results of the shards that answered, sorted and limited as asked
 * @param unavailableShards the indices of the shards that were down, ascending; empty when the
 *     result is complete
 * @param <T> the entity type
 */
public record PartialResult<T>(List<T> values, List<Integer> unavailableShards) {

  /**
   * Creates a result.
   *
   * @param values the values, copied
   * @param unavailableShards the missing shards, copied
   * @throws NullPointerException if an argument or an element is null
   */
  public PartialResult {
    values = List.copyOf(values);
    unavailableShards = List.copyOf(unavailableShards);
  }

  /**
   * Returns whether some shard did not answer, so that {@link #values()} may lack matches.
   *
   * @return whether the result is partial
   */
  public boolean isPartial() {
    return !unavailableShards.isEmpty();
  }
}
