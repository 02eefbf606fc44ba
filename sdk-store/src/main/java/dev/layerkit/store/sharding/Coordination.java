package dev.layerkit.store.sharding;

import dev.layerkit.store.Repository;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * How writes, moves and topology changes are kept apart: within this instance only
 * ({@link LocalCoordination}), or across every instance that shares a {@link ShardMapStore}
 * ({@link SharedShardMap}).
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
interface Coordination<ID, T> {

  /**
   * Runs a write of one id on a topology state that cannot change until it returns, holding the
   * id's lock during a rebalance (or always, when {@code lockAlways}).
   */
  <R> R write(String idKey, boolean lockAlways, Function<TopologyState<ID, T>, R> body);

  /** Runs the move of a batch holding the ids' locks. */
  <R> R move(Collection<String> idKeys, Supplier<R> body);

  /** Switches to the two-topology state of a rebalance to {@code newShards}, or returns it if one is under way. */
  TopologyState<ID, T> beginRebalance(List<? extends Repository<ID, T>> newShards);

  /** Switches from the two-topology state {@code migrating} to its target alone. */
  void finishRebalance(TopologyState<ID, T> migrating);

  /** Called before a read: may refresh a topology that is older than allowed. Allocation-free when fresh. */
  void beforeRead();

  /** Called when a read missed: refreshes the topology; returns whether it changed. */
  boolean refreshAfterMiss();

  /** Makes the topology at least as new as a shard map version a caller has seen. */
  void awaitVersion(long version);
}
