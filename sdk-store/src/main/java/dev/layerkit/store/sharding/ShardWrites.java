package dev.layerkit.store.sharding;

import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Repository;
import java.util.Map;
import java.util.Optional;

/**
 * Writes, over one topology or, during a rebalance, two.
 *
 * <p><b>Algorithm.</b> Outside a rebalance a write goes to the primary of its key's shard. During
 * one it goes to the new shard, after moving the record there if only the old shard has it
 * (copy, write, then delete the old copy), so that the mover and the writer never leave two live
 * copies: a record is written on its new shard once the rebalance has started. An
 * {@code insertIfAbsent} first asks the old shard, since the record may not have moved yet. A
 * delete asks every shard that may hold the id ({@link ShardRouter#candidates}).
 *
 * <p><b>Concurrency.</b> Every write holds the topology read lock, so a rebalance cannot switch
 * topology under it; during a rebalance, or with a field shard key, it also holds its id's stripe,
 * which the mover takes for the batch it moves ({@link Topologies}).
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
final class ShardWrites<ID, T> {

  private final EntityDescriptor<ID, T> descriptor;
  private final ShardRouter<ID, T> router;
  private final ShardHealth<ID, T> health;
  private final Topologies<ID, T> topologies;

  ShardWrites(EntityDescriptor<ID, T> descriptor, ShardRouter<ID, T> router, ShardHealth<ID, T> health,
      Topologies<ID, T> topologies) {
    this.descriptor = descriptor;
    this.router = router;
    this.health = health;
    this.topologies = topologies;
  }

  T save(T entity) {
    String key = router.routingKeyOf(entity);
    return topologies.locked(s -> {
      Topology<ID, T> target = s.target;
      if (target == null) {
        return writeTo(s.current, router.indexFor(s.current, key), Repository::save, entity);
      }
      ID id = descriptor.idOf(entity);
      int newIndex = router.indexFor(target, key);
      Shard<ID, T> home = target.get(newIndex);
      int oldIndex = router.indexFor(s.current, key);
      Shard<ID, T> old = s.current.get(oldIndex);
      return topologies.withStripe(descriptor.idKey(id), () -> {
        boolean copied = home != old && copyToNewShard(oldIndex, old, newIndex, home, id);
        try {
          return writeTo(target, newIndex, Repository::save, entity);
        } finally {
          if (copied) {
            health.call(oldIndex, old, old.primary, Repository::deleteById, id);
          }
        }
      });
    });
  }

  boolean insertIfAbsent(T entity) {
    String key = router.routingKeyOf(entity);
    return topologies.locked(s -> {
      Topology<ID, T> target = s.target;
      if (target == null) {
        return writeTo(s.current, router.indexFor(s.current, key), Repository::insertIfAbsent, entity);
      }
      ID id = descriptor.idOf(entity);
      int newIndex = router.indexFor(target, key);
      int oldIndex = router.indexFor(s.current, key);
      Shard<ID, T> old = s.current.get(oldIndex);
      return topologies.withStripe(descriptor.idKey(id), () -> {
        if (target.get(newIndex) != old
            && health.call(oldIndex, old, old.primary, Repository::findById, id).isPresent()) {
          return false;
        }
        return writeTo(target, newIndex, Repository::insertIfAbsent, entity);
      });
    });
  }

  boolean deleteById(ID id) {
    String idKey = descriptor.idKey(id);
    return topologies.locked(s -> {
      if (router.routesById() && !s.isRebalancing()) {
        return writeTo(s.current, router.indexFor(s.current, idKey), Repository::deleteById, id);
      }
      return topologies.withStripe(idKey, () -> {
        boolean deleted = false;
        for (Map.Entry<Shard<ID, T>, Integer> entry : router.candidates(s, idKey).entrySet()) {
          Shard<ID, T> shard = entry.getKey();
          deleted |= health.call(entry.getValue(), shard, shard.primary, Repository::deleteById, id);
          health.recordWrite(shard);
        }
        return deleted;
      });
    });
  }

  /** Runs a write on the primary of a shard and starts that shard's read-your-writes window. */
  private <A, R> R writeTo(Topology<ID, T> topology, int index,
      java.util.function.BiFunction<Repository<ID, T>, A, R> write, A argument) {
    Shard<ID, T> shard = topology.get(index);
    R result = health.call(index, shard, shard.primary, write, argument);
    health.recordWrite(shard);
    return result;
  }

  /** Copies the record to its new shard if only the old one has it; returns whether it did. */
  private boolean copyToNewShard(int oldIndex, Shard<ID, T> old, int newIndex, Shard<ID, T> home, ID id) {
    if (health.call(newIndex, home, home.primary, Repository::findById, id).isPresent()) {
      return false;
    }
    Optional<T> existing = health.call(oldIndex, old, old.primary, Repository::findById, id);
    if (existing.isEmpty()) {
      return false;
    }
    health.call(newIndex, home, home.primary, Repository::insertIfAbsent, existing.get());
    return true;
  }
}
