/**
 * Application-level sharding of a {@link dev.layerkit.store.Repository}:
 * {@link dev.layerkit.store.sharding.ShardedRepository} routes by shard key, runs scatter-gather
 * queries, reads from replicas, trips a per-shard circuit breaker on failures and rebalances
 * online, while other instances write when they share a {@link ShardMapStore}. Start one with
 * {@code Repositories.sharded(shards)}.
 *
 * <p>Public here: the repository, its builder, the {@link ShardingStrategy} SPI with its built-in
 * {@link ShardingStrategies}, and the types its methods take and return ({@link QueryPlan},
 * {@link PartialResult}, {@link RebalanceProgress}, {@link RebalanceReport},
 * {@link ScatterPolicy}, {@link ReadConsistency}, {@link ConsistencyToken}), and the shared shard
 * map: the {@link ShardMapStore} SPI, its {@link ShardMap}, {@link StaleShardMapException} and the
 * in-memory store from {@link ShardMapStores} (the PostgreSQL one is
 * {@code jdbc.JdbcShardMapStore}). Everything else in the package is
 * package-private, one class per concern: routing ({@code ShardRouter}), shard health and the
 * breakers ({@code ShardHealth}), single-record reads and writes over one or two topologies
 * ({@code RecordAccess}, over {@code Topologies}), scatter-gather ({@code ScatterGather}) and its
 * merge ({@code SortedMerge}), rebalancing ({@code Rebalancer}), and how writes are kept apart from moves and topology
 * changes ({@code Coordination}: {@code LocalCoordination} in one instance, {@code SharedShardMap}
 * across instances, whose design note gives the protocol).
 */
@NullMarked
package dev.layerkit.store.sharding;

import org.jspecify.annotations.NullMarked;
