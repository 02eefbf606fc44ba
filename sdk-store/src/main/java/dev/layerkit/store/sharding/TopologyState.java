package dev.layerkit.store.sharding;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The current topology and, during a rebalance, the target one. Immutable: a rebalance replaces
 * the whole state under {@link Topologies}' write lock.
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
final class TopologyState<ID, T> {

  final Topology<ID, T> current;
  final @Nullable Topology<ID, T> target;
  /** The shard map version this state was made from; 0 without a {@link ShardMapStore}. */
  final long version;

  TopologyState(Topology<ID, T> current, @Nullable Topology<ID, T> target) {
    this(current, target, 0);
  }

  TopologyState(Topology<ID, T> current, @Nullable Topology<ID, T> target, long version) {
    this.current = current;
    this.target = target;
    this.version = version;
  }

  boolean isRebalancing() {
    return target != null;
  }

  /** The topology that routing answers for: the target during a rebalance, else the current one. */
  Topology<ID, T> newest() {
    Topology<ID, T> t = target;
    return t != null ? t : current;
  }

  /** Every shard of both topologies, target first, each once, with its index in its topology. */
  Map<Shard<ID, T>, Integer> distinctShards() {
    // Shard keeps Object's identity equality, so this map is keyed by identity.
    Map<Shard<ID, T>, Integer> result = new LinkedHashMap<>();
    Topology<ID, T> t = target;
    if (t != null) {
      for (int i = 0; i < t.size(); i++) {
        result.putIfAbsent(t.get(i), i);
      }
    }
    for (int i = 0; i < current.size(); i++) {
      result.putIfAbsent(current.get(i), i);
    }
    return result;
  }
}
