package dev.layerkit.store.sharding;

import dev.layerkit.store.Repository;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Coordination within one instance: the topology lock and the id stripes of {@link Topologies}.
 * Writers in other processes are not coordinated (see {@link ShardedRepository}'s rebalancing
 * section); {@link SharedShardMap} is the variant that coordinates them.
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
final class LocalCoordination<ID, T> implements Coordination<ID, T> {

  private final String name;
  private final Topologies<ID, T> topologies;
  private final ShardHealth<ID, T> health;
  private final ShardingStrategy strategy;

  LocalCoordination(String name, Topologies<ID, T> topologies, ShardHealth<ID, T> health, ShardingStrategy strategy) {
    this.name = name;
    this.topologies = topologies;
    this.health = health;
    this.strategy = strategy;
  }

  @Override
  public <R> R write(String idKey, boolean lockAlways, Function<TopologyState<ID, T>, R> body) {
    return topologies.underReadLock(s -> s.isRebalancing() || lockAlways
        ? topologies.withStripe(idKey, () -> body.apply(s)) : body.apply(s));
  }

  @Override
  public <R> R move(Collection<String> idKeys, Supplier<R> body) {
    return topologies.withStripes(idKeys, body);
  }

  @Override
  public TopologyState<ID, T> beginRebalance(List<? extends Repository<ID, T>> newShards) {
    TopologyState<ID, T> s = topologies.state();
    Topology<ID, T> target = Rebalancer.topologyOf(s.current, newShards, health, strategy);
    Topology<ID, T> inProgress = s.target;
    if (inProgress != null) {
      if (!inProgress.samePrimaries(target)) {
        throw new IllegalStateException("repository " + name + " is rebalancing to " + inProgress.size()
            + " other shards; resume that rebalance with the same shards first");
      }
      return s;
    }
    TopologyState<ID, T> next = new TopologyState<>(s.current, target);
    topologies.replace(next);
    return next;
  }

  @Override
  public void finishRebalance(TopologyState<ID, T> migrating) {
    Topology<ID, T> target = migrating.target;
    if (target == null) {
      throw new IllegalStateException("not rebalancing");
    }
    topologies.replace(new TopologyState<>(target, null));
  }

  @Override
  public void beforeRead() {
    // One instance: its topology is always current.
  }

  @Override
  public boolean refreshAfterMiss() {
    return false;
  }

  @Override
  public void awaitVersion(long version) {
    // Without a shard map every token carries version 0.
  }
}
