package dev.layerkit.store.sharding;

import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Repository;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads by id and full scans, over one topology or, during a rebalance, two.
 *
 * <p><b>Algorithm.</b> Outside a rebalance an id routes to one shard. During one, a record is
 * read from its new shard first and, if absent there, from its old one: the mover copies before it
 * deletes, so a record is always in at least one of the two. With a field shard key the id does not
 * say where its record is, so every shard is asked, new topology first. A scan streams each
 * distinct shard once and, during a rebalance, drops a record's old copy when its new shard
 * already has one ({@link #isCopyToKeep}).
 *
 * <p><b>Concurrency.</b> {@link #findById} with the id as shard key takes no lock: it reads under an
 * optimistic stamp and reads again under the read lock if a rebalance switched topology meanwhile;
 * that path allocates nothing with the built-in strategies (the shard call is a non-capturing
 * method reference). Scans take no lock and see the topology of their start.
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
final class ShardReads<ID, T> {

  private final EntityDescriptor<ID, T> descriptor;
  private final ShardRouter<ID, T> router;
  private final ShardHealth<ID, T> health;
  private final Topologies<ID, T> topologies;

  ShardReads(EntityDescriptor<ID, T> descriptor, ShardRouter<ID, T> router, ShardHealth<ID, T> health,
      Topologies<ID, T> topologies) {
    this.descriptor = descriptor;
    this.router = router;
    this.health = health;
    this.topologies = topologies;
  }

  Optional<T> findById(ID id, ReadConsistency consistency) {
    String idKey = descriptor.idKey(id);
    long stamp = topologies.tryOptimisticRead();
    TopologyState<ID, T> s = topologies.state();
    if (stamp != 0 && !s.isRebalancing() && router.routesById()) {
      int index = router.indexFor(s.current, idKey);
      Shard<ID, T> shard = s.current.get(index);
      Optional<T> found = health.call(index, shard, health.readTarget(shard, consistency), Repository::findById, id);
      if (topologies.validate(stamp)) {
        return found;
      }
    }
    return topologies.locked(state -> findByIdIn(state, id, idKey, consistency));
  }

  private Optional<T> findByIdIn(TopologyState<ID, T> s, ID id, String idKey, ReadConsistency consistency) {
    if (router.routesById()) {
      Topology<ID, T> first = s.newest();
      int index = router.indexFor(first, idKey);
      Shard<ID, T> shard = first.get(index);
      Optional<T> found = health.call(index, shard, health.readTarget(shard, consistency), Repository::findById, id);
      if (found.isPresent() || !s.isRebalancing()) {
        return found;
      }
      int oldIndex = router.indexFor(s.current, idKey);
      Shard<ID, T> old = s.current.get(oldIndex);
      return old == shard ? found
          : health.call(oldIndex, old, health.readTarget(old, consistency), Repository::findById, id);
    }
    for (Map.Entry<Shard<ID, T>, Integer> entry : s.distinctShards().entrySet()) {
      Shard<ID, T> shard = entry.getKey();
      Optional<T> found = health.call(entry.getValue(), shard, health.readTarget(shard, consistency),
          Repository::findById, id);
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  /**
   * Whether a record read from shard {@code from} is the copy a merged read keeps: it is on its
   * new shard, or its new shard has no copy yet. Outside a rebalance every record is.
   */
  boolean isCopyToKeep(TopologyState<ID, T> s, Shard<ID, T> from, T entity) {
    Topology<ID, T> target = s.target;
    if (target == null) {
      return true;
    }
    int newIndex = router.indexOf(target, entity);
    Shard<ID, T> home = target.get(newIndex);
    return home == from
        || health.call(newIndex, home, home.primary, Repository::findById, descriptor.idOf(entity)).isEmpty();
  }

  Stream<T> scan() {
    TopologyState<ID, T> s = topologies.state();
    return s.distinctShards().entrySet().stream().flatMap(entry -> {
      Shard<ID, T> shard = entry.getKey();
      Stream<T> records = health.call(entry.getValue(), shard, shard.primary, Repository::scan);
      return s.isRebalancing() ? records.filter(entity -> isCopyToKeep(s, shard, entity)) : records;
    });
  }
}
