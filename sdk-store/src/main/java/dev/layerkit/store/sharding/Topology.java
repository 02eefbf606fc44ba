package dev.layerkit.store.sharding;

import java.util.List;

/**
 * An immutable list of shards, indexed as the {@link ShardingStrategy} numbers them.
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
final class Topology<ID, T> {

  final List<Shard<ID, T>> shards;

  Topology(List<Shard<ID, T>> shards) {
    this.shards = List.copyOf(shards);
  }

  int size() {
    return shards.size();
  }

  Shard<ID, T> get(int index) {
    return shards.get(index);
  }

  /** Whether both list the same primaries (by identity) in the same order. */
  boolean samePrimaries(Topology<ID, T> other) {
    if (size() != other.size()) {
      return false;
    }
    for (int i = 0; i < size(); i++) {
      if (get(i).primary != other.get(i).primary) {
        return false;
      }
    }
    return true;
  }
}
