/**
 * Application-level sharding of a {@link dev.layerkit.store.Repository}:
 * {@link dev.layerkit.store.sharding.ShardedRepository} routes by shard key, runs scatter-gather
 * queries, reads from replicas, trips a per-shard circuit breaker on failures and rebalances
 * online. Start one with {@code Repositories.sharded(shards)}.
 *
 * <p>Public here: the repository, its builder, the {@link ShardingStrategy} SPI with its built-in
 * {@link ShardingStrategies}, and the types its methods take and return ({@link QueryPlan},
 * {@link PartialResult}, {@link RebalanceProgress}, {@link RebalanceReport},
 * {@link ScatterPolicy}, {@link ReadConsistency}). Everything else in the package is
 * package-private, one class per concern: routing ({@code ShardRouter}), shard health and the
 * breakers ({@code ShardHealth}), single-record reads and writes over one or two topologies
 * ({@code RecordAccess}, over {@code Topologies}), scatter-gather ({@code ScatterGather}) and its
 * merge ({@code SortedMerge}), rebalancing ({@code Rebalancer}).
 */
@NullMarked
package dev.layerkit.store.sharding;

import org.jspecify.annotations.NullMarked;
