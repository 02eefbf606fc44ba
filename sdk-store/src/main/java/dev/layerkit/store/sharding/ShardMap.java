package dev.layerkit.store.sharding;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The shared description of a sharded repository's layout: which shards (by repository name, in
 * index order) it uses and, during a rebalance, which it is moving to, at a version that grows by
 * one with each change. Kept in a {@link ShardMapStore} so that every instance of the repository
 * routes by the same map.
 *
 * @param repository the sharded repository's name ({@link ShardedRepositoryBuilder#name})
 * @param version the map's version, at least 1; each change stores the next one
 * @param shards the names of the current shards, in index order
 * @param target the names of the shards a rebalance is moving to, or null when none is under way
 */
public record ShardMap(String repository, long version, List<String> shards, @Nullable List<String> target) {

  /**
   * Checks and copies the components.
   *
   * @throws NullPointerException if {@code repository}, {@code shards} or a name is null
   * @throws IllegalArgumentException if the version is below 1, a list is empty, or names a shard twice
   */
  public ShardMap {
    Objects.requireNonNull(repository, "repository");
    if (version < 1) {
      throw new IllegalArgumentException("version must be >= 1 but was " + version);
    }
    shards = checked(shards, "shards");
    target = target == null ? null : checked(target, "target");
  }

  private static List<String> checked(List<String> names, String parameter) {
    Objects.requireNonNull(names, parameter);
    List<String> copy = List.copyOf(names);
    if (copy.isEmpty()) {
      throw new IllegalArgumentException(parameter + " must name at least one shard but was " + names);
    }
    if (copy.stream().distinct().count() != copy.size()) {
      throw new IllegalArgumentException(parameter + " names a shard twice: " + names);
    }
    return copy;
  }

  /**
   * Returns whether a rebalance is under way.
   *
   * @return whether {@link #target} is set
   */
  public boolean isRebalancing() {
    return target != null;
  }

  /**
   * Returns the next version of this map, rebalancing to {@code newShards}.
   *
   * @param newShards the names of the shards to move to
   * @return the map at the next version
   * @throws IllegalStateException if a rebalance is already under way
   */
  public ShardMap startingRebalanceTo(List<String> newShards) {
    if (target != null) {
      throw new IllegalStateException("shard map of " + repository + " is already rebalancing to " + target);
    }
    return new ShardMap(repository, version + 1, shards, newShards);
  }

  /**
   * Returns the next version of this map, with the rebalance done: the target is the current list.
   *
   * @return the map at the next version
   * @throws IllegalStateException if no rebalance is under way
   */
  public ShardMap completingRebalance() {
    List<String> t = target;
    if (t == null) {
      throw new IllegalStateException("shard map of " + repository + " is not rebalancing");
    }
    return new ShardMap(repository, version + 1, t, null);
  }
}
