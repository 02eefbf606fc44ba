package dev.layerkit.store.sharding;

import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Repository;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Reads and writes of single records, and scans, over one topology or, during a rebalance, two.
 *
 * <p><b>Reads.</b> Outside a rebalance an id routes to one shard. During one, a record is read
 * from its new shard first and, if absent there, from its old one: the mover copies before it
 * deletes, so a record is always in at least one of the two. With a field shard key the id does not
 * say where its record is, so every shard is asked, new topology first. A scan streams each
 * distinct shard once and, during a rebalance, drops a record's old copy when its new shard
 * already has one ({@link #isCopyToKeep}).
 *
 * <p><b>Writes.</b> Outside a rebalance a write goes to the primary of its key's shard. During one
 * it goes to the new shard, after moving the record there if only the old shard has it (copy,
 * write, then delete the old copy), so that the mover and the writer never leave two live copies.
 * An {@code insertIfAbsent} first asks the old shard, since the record may not have moved yet. A
 * delete asks every shard that may hold the id ({@link ShardRouter#candidates}).
 *
 * <p><b>Coordination.</b> Writes run through a {@link Coordination}: in one instance the topology
 * lock and id stripes described below ({@link LocalCoordination}); with a shard map, fenced by the
 * map version in the {@link ShardMapStore} and, during a rebalance, under the id's key lock there
 * ({@link SharedShardMap}), which keeps writers of every instance apart from the mover. The
 * two-topology rules above are the same in both.
 *
 * <p><b>Concurrency.</b> {@link #findById} with the id as shard key takes no lock: it reads under an
 * optimistic stamp and reads again under the read lock if a rebalance switched topology meanwhile;
 * that path allocates nothing with the built-in strategies, and calls the shard's {@code findById}
 * directly ({@link ShardHealth#findById}). Scans take no lock and see the topology of their start.
 * Every write holds the topology read lock, so a rebalance cannot switch topology under it; during
 * a rebalance, or with a field shard key, it also holds its id's stripe, which the mover takes for
 * the batch it moves ({@link Topologies}).
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
final class RecordAccess<ID, T> {

  private final EntityDescriptor<ID, T> descriptor;
  private final ShardRouter<ID, T> router;
  private final ShardHealth<ID, T> health;
  private final Topologies<ID, T> topologies;
  private final Coordination<ID, T> coordination;

  RecordAccess(EntityDescriptor<ID, T> descriptor, ShardRouter<ID, T> router, ShardHealth<ID, T> health,
      Topologies<ID, T> topologies, Coordination<ID, T> coordination) {
    this.descriptor = descriptor;
    this.router = router;
    this.health = health;
    this.topologies = topologies;
    this.coordination = coordination;
  }

  Optional<T> findById(ID id, ReadConsistency consistency) {
    coordination.beforeRead();
    Optional<T> found = findByIdOnce(id, consistency);
    // With a shard map, a miss may mean the record moved under a map this instance has not seen.
    return found.isEmpty() && coordination.refreshAfterMiss() ? findByIdOnce(id, consistency) : found;
  }

  /**
   * Reads an id as {@code token} requires: from a replica (or the cached topology) if that gives
   * the token's version or a later one, otherwise from the primary, after adopting the token's
   * shard map version.
   */
  Optional<T> findById(ID id, ConsistencyToken token) {
    String idKey = descriptor.idKey(id);
    if (!token.idKey().equals(idKey)) {
      throw new IllegalArgumentException("token is for id '" + token.idKey() + "', not '" + idKey + "'");
    }
    coordination.awaitVersion(token.shardMapVersion());
    Optional<T> found = findById(id, ReadConsistency.REPLICA_OK);
    if (found.isPresent() && descriptor.versionOf(found.get()) >= token.version()) {
      return found;
    }
    return findById(id, ReadConsistency.READ_YOUR_WRITES);
  }

  /** The shard map version of the cached topology, 0 without a shard map. */
  long shardMapVersion() {
    return topologies.state().version;
  }

  private Optional<T> findByIdOnce(ID id, ReadConsistency consistency) {
    String idKey = descriptor.idKey(id);
    long stamp = topologies.tryOptimisticRead();
    TopologyState<ID, T> s = topologies.state();
    if (stamp != 0 && !s.isRebalancing() && router.routesById()) {
      int index = router.indexFor(s.current, idKey);
      Shard<ID, T> shard = s.current.get(index);
      Optional<T> found = health.findById(index, shard, health.readTarget(shard, consistency), id);
      if (topologies.validate(stamp)) {
        return found;
      }
    }
    return topologies.underReadLock(state -> findByIdIn(state, id, idKey, consistency));
  }

  private Optional<T> findByIdIn(TopologyState<ID, T> s, ID id, String idKey, ReadConsistency consistency) {
    if (router.routesById()) {
      Topology<ID, T> first = s.newest();
      int index = router.indexFor(first, idKey);
      Shard<ID, T> shard = first.get(index);
      Optional<T> found = health.findById(index, shard, health.readTarget(shard, consistency), id);
      if (found.isPresent() || !s.isRebalancing()) {
        return found;
      }
      int oldIndex = router.indexFor(s.current, idKey);
      Shard<ID, T> old = s.current.get(oldIndex);
      if (old == shard) {
        return found;
      }
      found = health.findById(oldIndex, old, health.readTarget(old, consistency), id);
      if (found.isPresent()) {
        return found;
      }
      // Missed in both: the record may have moved between the two reads (a move copies to the new
      // shard before it deletes the old copy), so the new shard has it now unless it was deleted.
      return health.findById(index, shard, health.readTarget(shard, consistency), id);
    }
    for (Map.Entry<Shard<ID, T>, Integer> entry : s.distinctShards().entrySet()) {
      Shard<ID, T> shard = entry.getKey();
      Optional<T> found = health.findById(entry.getValue(), shard, health.readTarget(shard, consistency), id);
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
        || health.findById(newIndex, home, home.primary, descriptor.idOf(entity)).isEmpty();
  }

  Stream<T> scan() {
    TopologyState<ID, T> s = topologies.state();
    return s.distinctShards().entrySet().stream().flatMap(entry -> {
      Shard<ID, T> shard = entry.getKey();
      Stream<T> records = health.call(entry.getValue(), shard, shard.primary, Repository::scan);
      return s.isRebalancing() ? records.filter(entity -> isCopyToKeep(s, shard, entity)) : records;
    });
  }

  T save(T entity) {
    return write(entity, Repository::save, at -> {
      boolean copied = at.moves() && copyToNewShard(at);
      try {
        return writeTo(at.target, at.newIndex, Repository::save, entity);
      } finally {
        if (copied) {
          health.call(at.oldIndex, at.old, at.old.primary, Repository::deleteById, at.id);
        }
      }
    });
  }

  boolean insertIfAbsent(T entity) {
    return write(entity, Repository::insertIfAbsent, at -> {
      if (at.moves() && health.findById(at.oldIndex, at.old, at.old.primary, at.id).isPresent()) {
        return false;
      }
      return writeTo(at.target, at.newIndex, Repository::insertIfAbsent, entity);
    });
  }

  /**
   * Runs a write of an entity under the topology read lock: {@code write} on its shard, or during
   * a rebalance {@code duringRebalance} under its id's stripe.
   */
  private <R> R write(T entity, BiFunction<Repository<ID, T>, T, R> write,
      Function<Placement<ID, T>, R> duringRebalance) {
    String key = router.routingKeyOf(entity);
    ID id = descriptor.idOf(entity);
    return coordination.write(descriptor.idKey(id), false, s -> {
      Topology<ID, T> target = s.target;
      if (target == null) {
        return writeTo(s.current, router.indexFor(s.current, key), write, entity);
      }
      Placement<ID, T> at = new Placement<>(s.current, router.indexFor(s.current, key), target,
          router.indexFor(target, key), id);
      return duringRebalance.apply(at);
    });
  }

  /** Where a record written during a rebalance was and will be. */
  private static final class Placement<ID, T> {
    final int oldIndex;
    final Shard<ID, T> old;
    final Topology<ID, T> target;
    final int newIndex;
    final Shard<ID, T> home;
    final ID id;

    Placement(Topology<ID, T> current, int oldIndex, Topology<ID, T> target, int newIndex, ID id) {
      this.oldIndex = oldIndex;
      this.old = current.get(oldIndex);
      this.target = target;
      this.newIndex = newIndex;
      this.home = target.get(newIndex);
      this.id = id;
    }

    /** Whether the record's shard changes. */
    boolean moves() {
      return home != old;
    }
  }

  boolean deleteById(ID id) {
    String idKey = descriptor.idKey(id);
    return coordination.write(idKey, !router.routesById(), s -> {
      if (router.routesById() && !s.isRebalancing()) {
        return writeTo(s.current, router.indexFor(s.current, idKey), Repository::deleteById, id);
      }
      boolean deleted = false;
      for (Map.Entry<Shard<ID, T>, Integer> entry : router.candidates(s, idKey).entrySet()) {
        Shard<ID, T> shard = entry.getKey();
        deleted |= health.call(entry.getValue(), shard, shard.primary, Repository::deleteById, id);
        health.recordWrite(shard);
      }
      return deleted;
    });
  }

  /** Runs a write on the primary of a shard and starts that shard's read-your-writes window. */
  private <A, R> R writeTo(Topology<ID, T> topology, int index,
      BiFunction<Repository<ID, T>, A, R> write, A argument) {
    Shard<ID, T> shard = topology.get(index);
    R result = health.call(index, shard, shard.primary, write, argument);
    health.recordWrite(shard);
    return result;
  }

  /** Copies the record to its new shard if only the old one has it; returns whether it did. */
  private boolean copyToNewShard(Placement<ID, T> at) {
    if (health.findById(at.newIndex, at.home, at.home.primary, at.id).isPresent()) {
      return false;
    }
    Optional<T> existing = health.findById(at.oldIndex, at.old, at.old.primary, at.id);
    if (existing.isEmpty()) {
      return false;
    }
    health.call(at.newIndex, at.home, at.home.primary, Repository::insertIfAbsent, existing.get());
    return true;
  }
}
