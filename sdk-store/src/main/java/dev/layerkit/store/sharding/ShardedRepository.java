package dev.layerkit.store.sharding;

import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Filter;
import dev.layerkit.store.Repository;
import dev.layerkit.store.ScatterQueryRejectedException;
import dev.layerkit.store.ShardUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A {@link Repository} spread over several shard repositories (any backends), with direct
 * routing by shard key, scatter-gather queries, read replicas, a circuit breaker per shard and
 * online rebalancing.
 *
 * <pre>{@code
 * ShardedRepository<String, Order> orders = Repositories.sharded(List.of(s0, s1, s2, s3))
 *     .strategy(ShardingStrategies.jumpHash())
 *     .shardKey("customerId", Order::customerId)   // co-locate a customer's orders; default: the id
 *     .scatterPolicy(ScatterPolicy.LOG)
 *     .build();
 * orders.findAll(Filter.eq("customerId", "c-7"));    // one shard
 * orders.explain(Filter.gte("amountCents", 100));    // every shard: QueryPlan[scatter=true ...]
 * orders.rebalance(List.of(s0, s1, s2, s3, s4), (moved, examined, total) -> bar.set(examined, total));
 * }</pre>
 *
 * <p><b>Routing.</b> The shard key is the id's text, or the text of one field
 * ({@link ShardedRepositoryBuilder#shardKey}); the {@link ShardingStrategy} maps it to a shard
 * index. Writes and {@link #findById} route directly (with a field shard key, {@code findById} and
 * {@code deleteById} must ask every shard). A filter with an equality or {@code in} condition on
 * the shard key field asks only the shards of those values; any other filter is a scatter query,
 * subject to the {@link ScatterPolicy}, sent to all shards in parallel on a bounded executor and
 * merged: a k-way merge in the filter's order when sorted, stopping at the limit (each shard is
 * asked for at most the limit). {@link #explain(Filter)} says which shards a filter would touch.
 *
 * <p><b>Failure.</b> Each shard has a circuit breaker (Resilience4j, built by core's
 * {@code ResiliencePolicy}) that one failure opens: a shard whose call fails with anything but a
 * caller error (an optimistic lock conflict, bad arguments, a codec failure) is down for
 * {@link ShardedRepositoryBuilder#unavailableFor}: its operations fail at once with
 * {@link ShardUnavailableException} naming it, without waiting for the backend, until the time is
 * up and a trial call is let through. A scatter query fails when a shard is down, unless the
 * caller uses {@link #findAllAllowingPartial}, whose result is marked partial.
 * {@link #healthChecks()} gives a check per shard.
 *
 * <p><b>Replicas.</b> A shard may have read replicas
 * ({@link ShardedRepositoryBuilder#shard(Repository, List)}): reads go to them round-robin, except
 * with {@link ReadConsistency#READ_YOUR_WRITES}, while the shard's breaker is not closed, or when
 * this instance wrote to the shard within {@link ShardedRepositoryBuilder#readYourWritesWindow}
 * (measured on the {@link TimeSource}). Writes always go to the primary; a failing replica read is
 * retried on the primary. Replication itself is the backend's job.
 *
 * <p><b>Rebalancing.</b> {@link #rebalance} moves to a new list of shards online: it scans each
 * old shard and, for each record whose shard changes (only those: a repository that is in both
 * lists keeps the records that stay on it), copies it to the new shard with its version, checks the
 * copy, and deletes the source. Meanwhile reads ask the new shard, then the old; writes move a
 * record to its new shard first; queries ask both topologies and drop the stale copy. Every step
 * is idempotent, so a rebalance stopped anywhere (an exception, a killed process) resumes by
 * calling {@code rebalance} again with the same shards; a new process does so after building with
 * {@link ShardedRepositoryBuilder#rebalancingTo}. Without a shard map, rebalancing coordinates
 * only the writes made through this instance (per-id locks while records move); other writers
 * must pause for the duration, or they may race with a move.
 *
 * <p><b>Rebalancing while other instances write.</b> Instances built with the same
 * {@link ShardedRepositoryBuilder#shardMap shard map store} (for several processes,
 * {@code jdbc.JdbcShardMapStore} on PostgreSQL) share a versioned {@link ShardMap}: every write is
 * fenced by the version it was routed with (a write that carries a stale version is rejected
 * before it runs and routed again on the new map), a rebalance changes the version only once
 * the writes in flight under the old one are done, and while records move each write and each
 * moved batch hold the record's key lock in the store. So a write that races a record's move is
 * neither lost nor duplicated, whichever instance makes it, and any instance resumes a rebalance
 * whose process died. Reads follow each instance's cached map, refreshed at most
 * {@link ShardedRepositoryBuilder#shardMapMaxAge} apart, after a miss, and by a
 * {@link ConsistencyToken}.
 *
 * <p><b>Read-your-writes across instances.</b> {@link #tokenFor} turns a written entity into a
 * {@link ConsistencyToken}; {@link #findById(Object, ConsistencyToken)} on any instance returns
 * that version or a later one, going to the primary when a replica lags.
 *
 * <p><b>Concurrency.</b> Thread-safe. The topology is an immutable snapshot behind a
 * {@link java.util.concurrent.locks.StampedLock}: reads use an optimistic stamp (no write to shared
 * memory on the hot path) and retry under the read lock if a rebalance switched topology
 * meanwhile; writes hold the read lock; only the start and end of a rebalance take the write lock.
 * Routing a key is allocation-free with the built-in strategies.
 *
 * <p>This class is a facade: routing, shard health, reads, writes, scatter-gather and rebalancing
 * are package-private classes of their own, each with a design note.
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
public final class ShardedRepository<ID, T> implements Repository<ID, T>, AutoCloseable {

  /** The default {@link ShardedRepositoryBuilder#readYourWritesWindow}. */
  public static final Duration DEFAULT_READ_YOUR_WRITES_WINDOW = Duration.ofSeconds(5);

  /** The default {@link ShardedRepositoryBuilder#rebalanceBatchSize}. */
  public static final int DEFAULT_REBALANCE_BATCH_SIZE = 256;

  /** The default {@link ShardedRepositoryBuilder#shardMapMaxAge}. */
  public static final Duration DEFAULT_SHARD_MAP_MAX_AGE = Duration.ofSeconds(1);

  /** The default {@link ShardedRepositoryBuilder#unavailableFor}. */
  public static final Duration DEFAULT_UNAVAILABLE_FOR = Duration.ofSeconds(5);

  private final String name;
  private final EntityDescriptor<ID, T> descriptor;
  private final ShardRouter<ID, T> router;
  private final ShardHealth<ID, T> health;
  private final Topologies<ID, T> topologies;
  private final Coordination<ID, T> coordination;
  private final RecordAccess<ID, T> records;
  private final ScatterGather<ID, T> scatter;
  private final Rebalancer<ID, T> rebalancer;
  private final StoreObservations observations;

  ShardedRepository(ShardedRepositoryBuilder<ID, T> b, EntityDescriptor<ID, T> descriptor, int parallelism) {
    this.name = b.name;
    this.descriptor = descriptor;
    this.router = new ShardRouter<>(descriptor, b.strategy, b.shardKeyField, b.shardKey, b.scatterPolicy);
    this.health = new ShardHealth<>(name, b.timeSource, b.readYourWritesWindow, b.unavailableFor, b.meterRegistry);
    List<Shard<ID, T>> shards = new ArrayList<>();
    for (int i = 0; i < b.primaries.size(); i++) {
      shards.add(health.newShard(b.primaries.get(i), b.replicas.get(i)));
    }
    Topology<ID, T> current = new Topology<>(shards);
    List<Repository<ID, T>> rebalancingTo = b.rebalancingTo;
    Topology<ID, T> target = rebalancingTo == null ? null
        : Rebalancer.topologyOf(current, rebalancingTo, health, b.strategy);
    this.topologies = new Topologies<>(new TopologyState<>(current, target));
    ShardMapStore store = b.shardMapStore;
    if (store == null) {
      this.coordination = new LocalCoordination<>(name, topologies, health, b.strategy);
    } else {
      SharedShardMap<ID, T> shared = new SharedShardMap<>(name, descriptor, store,
          java.util.Objects.requireNonNull(b.shardResolver, "shardResolver"), topologies, health, b.strategy,
          b.timeSource, b.shardMapMaxAge);
      shared.start();
      this.coordination = shared;
    }
    this.records = new RecordAccess<>(descriptor, router, health, topologies, coordination);
    this.scatter = new ScatterGather<>(b, router, health, records, new SortedMerge<>(name, descriptor), parallelism);
    this.rebalancer = new Rebalancer<>(b, descriptor, router, health, coordination);
    this.observations = new StoreObservations(b.observationRegistry, name);
  }

  /** The shard index of a routed call as a tag value, {@code all} when it is not routed. */
  private String shardTag(String routingKey) {
    Topology<ID, T> current = topologies.state().current;
    return Integer.toString(router.indexFor(current, routingKey));
  }

  private String idShardTag(ID id) {
    return router.routesById() ? shardTag(descriptor.idKey(id)) : StoreObservations.ALL;
  }

  private String entityShardTag(T entity) {
    return shardTag(router.routingKeyOf(entity));
  }

  /**
   * Starts a sharded repository over primaries without replicas; add replicated shards with
   * {@link ShardedRepositoryBuilder#shard(Repository, List)} instead. The same as
   * {@code Repositories.sharded(shards)}.
   *
   * @param shards the shard repositories, in index order; they must share one descriptor
   * @param <ID> the id type
   * @param <T> the entity type
   * @return a builder
   * @throws NullPointerException if {@code shards} or a shard is null
   * @throws IllegalArgumentException if {@code shards} is empty or lists a repository twice
   */
  public static <ID, T> ShardedRepositoryBuilder<ID, T> builder(List<? extends Repository<ID, T>> shards) {
    ShardedRepositoryBuilder<ID, T> builder = new ShardedRepositoryBuilder<>();
    for (Repository<ID, T> shard : ShardedRepositoryBuilder.requireShards(shards, "shards")) {
      builder.shard(shard);
    }
    return builder;
  }

  /**
   * Starts a sharded repository with no shards yet: add them with
   * {@link ShardedRepositoryBuilder#shard}.
   *
   * @param <ID> the id type
   * @param <T> the entity type
   * @return a builder
   */
  public static <ID, T> ShardedRepositoryBuilder<ID, T> builder() {
    return new ShardedRepositoryBuilder<>();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public EntityDescriptor<ID, T> descriptor() {
    return descriptor;
  }

  /**
   * Returns the number of shards of the current topology (the old one during a rebalance).
   *
   * @return the shard count
   */
  public int shardCount() {
    return topologies.state().current.size();
  }

  /**
   * Returns the primaries of the current topology, in shard order: for tools that work shard by
   * shard, such as {@code backup.Backup}.
   *
   * @return an immutable list
   */
  public List<Repository<ID, T>> shards() {
    List<Repository<ID, T>> primaries = new ArrayList<>();
    for (Shard<ID, T> shard : topologies.state().current.shards) {
      primaries.add(shard.primary);
    }
    return List.copyOf(primaries);
  }

  /**
   * Returns whether a rebalance has started and not completed.
   *
   * @return whether reads and writes are in the two-topology mode
   */
  public boolean isRebalancing() {
    return topologies.state().isRebalancing();
  }

  /**
   * Returns the primary of the shard an entity belongs to, for a write that must join a
   * transaction of that shard's database (a transactional outbox on {@code JdbcRepository}'s
   * {@code save(Connection, entity)}).
   *
   * <p>Such a write bypasses this repository: its read-your-writes window does not see it (read
   * it back with {@link ReadConsistency} that goes to the primary), and it must not run during a
   * rebalance. With a {@link ShardedRepositoryBuilder#shardMap shard map} it is not fenced either:
   * another instance may start a rebalance at any moment, so use it only while none can.
   *
   * @param entity the entity
   * @return the shard's primary repository
   * @throws IllegalStateException while a rebalance is in progress
   */
  public Repository<ID, T> shardOf(T entity) {
    Objects.requireNonNull(entity, "entity");
    TopologyState<ID, T> s = topologies.state();
    if (s.isRebalancing()) {
      throw new IllegalStateException("repository '" + name + "' is rebalancing; write through it,"
          + " not through a shard");
    }
    return s.current.get(router.indexOf(s.current, entity)).primary;
  }

  /**
   * Says which shards a filter would touch, without querying.
   *
   * @param filter the filter
   * @return the plan
   * @throws NullPointerException if {@code filter} is null
   */
  public QueryPlan explain(Filter filter) {
    Objects.requireNonNull(filter, "filter");
    return router.explain(topologies.state(), filter);
  }

  @Override
  public Optional<T> findById(ID id) {
    return findById(id, ReadConsistency.REPLICA_OK);
  }

  /**
   * Returns the entity with the id, reading where {@code consistency} allows.
   *
   * @param id the id
   * @param consistency whether a replica may answer
   * @return the entity or empty
   * @throws NullPointerException if an argument is null
   * @throws ShardUnavailableException if a shard it needs is down
   */
  public Optional<T> findById(ID id, ReadConsistency consistency) {
    Objects.requireNonNull(consistency, "consistency");
    if (observations.off()) {
      return records.findById(id, consistency);
    }
    Objects.requireNonNull(id, "id");
    return observations.observe("findById", idShardTag(id), !router.routesById(),
        () -> records.findById(id, consistency));
  }

  /**
   * Returns the entity with the id, at least as recent as the write that made {@code token}, on
   * this or any other instance: a replica (or this instance's shard map) that is behind the token
   * is passed over for the primary (after adopting the token's shard map version).
   *
   * <pre>{@code
   * Order saved = ordersOnInstanceA.save(order);
   * String header = ordersOnInstanceA.tokenFor(saved).format();        // carried to another instance
   * ordersOnInstanceB.findById("o-1", ConsistencyToken.parse(header)); // version >= saved.version()
   * }</pre>
   *
   * <p>Cost: what {@link #findById(Object)} costs when the replica is recent enough; one more
   * read, on the primary, when it is not.
   *
   * @param id the id
   * @param token from {@link #tokenFor} for this id
   * @return the entity, at the token's version or later, or empty if it was deleted since
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the token is for another id
   * @throws ShardUnavailableException if a shard it needs is down
   */
  public Optional<T> findById(ID id, ConsistencyToken token) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(token, "token");
    if (observations.off()) {
      return records.findById(id, token);
    }
    return observations.observe("findById", idShardTag(id), !router.routesById(),
        () -> records.findById(id, token));
  }

  /**
   * Returns the consistency token of an entity this repository just wrote (the result of
   * {@link #save}, or an entity passed to {@link #insertIfAbsent} that returned true): pass it to
   * {@link #findById(Object, ConsistencyToken)} on any instance to read that write or a later one.
   *
   * @param written the entity as written, with its stored version
   * @return the token
   * @throws NullPointerException if {@code written} is null
   * @throws IllegalArgumentException if its version is below 1 (it was not written)
   */
  public ConsistencyToken tokenFor(T written) {
    Objects.requireNonNull(written, "written");
    return new ConsistencyToken(descriptor.idKey(descriptor.idOf(written)), descriptor.versionOf(written),
        records.shardMapVersion());
  }

  /**
   * Returns the version of the shard map this instance routes by: 0 without a
   * {@link ShardedRepositoryBuilder#shardMap shard map}, else the version last read from the
   * {@link ShardMapStore}.
   *
   * @return the version
   */
  public long shardMapVersion() {
    return records.shardMapVersion();
  }

  @Override
  public List<T> findAll(Filter filter) {
    return findAll(filter, ReadConsistency.REPLICA_OK);
  }

  /**
   * Returns the entities that match the filter, reading where {@code consistency} allows; fails if
   * a shard it needs is down.
   *
   * @param filter the filter
   * @param consistency whether replicas may answer
   * @return the matches, merged in the filter's order and limited
   * @throws NullPointerException if an argument is null
   * @throws ShardUnavailableException if a shard it needs is down
   * @throws ScatterQueryRejectedException if the filter would ask every shard and the policy is
   *     {@link ScatterPolicy#REJECT}
   */
  public List<T> findAll(Filter filter, ReadConsistency consistency) {
    return query(filter, consistency, false).values();
  }

  /**
   * Returns the entities that match the filter from the shards that answer, marking the result
   * partial when some are down, instead of failing.
   *
   * @param filter the filter
   * @return the values and the shards that were missing
   * @throws NullPointerException if {@code filter} is null
   * @throws ScatterQueryRejectedException if the filter would ask every shard and the policy is
   *     {@link ScatterPolicy#REJECT}
   */
  public PartialResult<T> findAllAllowingPartial(Filter filter) {
    return query(filter, ReadConsistency.REPLICA_OK, true);
  }

  private PartialResult<T> query(Filter filter, ReadConsistency consistency, boolean allowPartial) {
    Objects.requireNonNull(filter, "filter");
    Objects.requireNonNull(consistency, "consistency");
    if (observations.off()) {
      coordination.beforeRead();
      return topologies.readOptimistically(s -> scatter.query(s, filter, consistency, allowPartial));
    }
    QueryPlan plan = explain(filter);
    return observations.observe("findAll", plan.scatter() || plan.shards().size() != 1
        ? StoreObservations.ALL : plan.shards().get(0).toString(), plan.scatter(), () -> {
          coordination.beforeRead();
          return topologies.readOptimistically(
              s -> scatter.query(s, filter, consistency, allowPartial));
        });
  }

  @Override
  public long count(Filter filter) {
    Objects.requireNonNull(filter, "filter");
    coordination.beforeRead();
    return topologies.underReadLock(s -> scatter.count(s, filter));
  }

  /**
   * Streams every entity of every shard, one shard after another, in constant memory. During a
   * rebalance a record is streamed once, from its new shard if it is already there. Close the
   * stream.
   *
   * @return the entities
   * @throws ShardUnavailableException if a shard is down
   */
  @Override
  public Stream<T> scan() {
    coordination.beforeRead();
    return records.scan();
  }

  @Override
  public T save(T entity) {
    if (observations.off()) {
      return records.save(entity);
    }
    Objects.requireNonNull(entity, "entity");
    return observations.observe("save", entityShardTag(entity), false, () -> records.save(entity));
  }

  @Override
  public boolean insertIfAbsent(T entity) {
    if (observations.off()) {
      return records.insertIfAbsent(entity);
    }
    Objects.requireNonNull(entity, "entity");
    return observations.observe("insertIfAbsent", entityShardTag(entity), false,
        () -> records.insertIfAbsent(entity));
  }

  @Override
  public boolean deleteById(ID id) {
    if (observations.off()) {
      return records.deleteById(id);
    }
    Objects.requireNonNull(id, "id");
    return observations.observe("deleteById", idShardTag(id), !router.routesById(),
        () -> records.deleteById(id));
  }

  /**
   * Returns one health check per shard of the current topology, named
   * {@code <name>-shard-<index>}: {@code DOWN} while the shard's breaker rejects calls (with the
   * failure that opened it), otherwise its primary's check, {@code DEGRADED} if a replica's check
   * is not up.
   *
   * @return the checks, in shard order
   */
  public List<HealthCheck> healthChecks() {
    return health.healthChecks(topologies.state().current);
  }

  /**
   * Returns a check of the whole repository: the worst of {@link #healthChecks()}.
   *
   * @return the check, named after the repository
   */
  @Override
  public HealthCheck healthCheck() {
    return health.healthCheck(() -> topologies.state().current);
  }

  /**
   * Moves online to a new list of shards, and returns what was done.
   *
   * <p>Repositories in both lists (by identity) keep the records that stay on them; only records
   * whose shard changes are copied (with their version), checked on the new shard, and deleted
   * from the old one, in batches of {@link ShardedRepositoryBuilder#rebalanceBatchSize}. With jump
   * hashing, growing from n to n+1 shards by appending one moves about 1/(n+1) of the records.
   * Reads, writes and queries keep working meanwhile (see the class comment). Cost: one scan of
   * every old shard plus, per batch and destination, a read and a delete on the old shard and an
   * insert and a read on the new one.
   *
   * <p>Stopping is safe anywhere: an exception (from a shard, or thrown by {@code progress})
   * leaves the repository rebalancing, with every record readable, and a new call with the same
   * shards resumes; records already moved are not read again, and none is lost or duplicated.
   * One rebalance runs at a time.
   *
   * @param newShards the new shards, in index order; the descriptor must be the same
   * @param progress told after each moved batch and at the end
   * @return the report
   * @throws NullPointerException if an argument or a shard is null
   * @throws IllegalArgumentException if {@code newShards} is empty, lists a repository twice, or
   *     the strategy cannot use that many shards
   * @throws IllegalStateException if a rebalance to other shards is in progress
   * @throws ShardUnavailableException if a shard fails; the rebalance can be resumed
   */
  public RebalanceReport rebalance(List<? extends Repository<ID, T>> newShards, RebalanceProgress progress) {
    return rebalancer.rebalance(newShards, progress);
  }

  /** Stops the scatter executor if this repository made it; the shards are the caller's to close. */
  @Override
  public void close() {
    scatter.close();
  }

  @Override
  public String toString() {
    TopologyState<ID, T> s = topologies.state();
    Topology<ID, T> target = s.target;
    return "ShardedRepository[" + name + ", shards=" + s.current.size() + ", strategy=" + router.strategy()
        + (target != null ? ", rebalancing to " + target.size() : "") + ']';
  }
}
