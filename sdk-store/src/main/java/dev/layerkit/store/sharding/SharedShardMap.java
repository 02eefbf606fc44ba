package dev.layerkit.store.sharding;

import dev.layerkit.core.time.TimeSource;
import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Repository;
import dev.layerkit.store.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coordination of every instance of a sharded repository through a shared {@link ShardMap} in a
 * {@link ShardMapStore}: rebalancing while other instances write.
 *
 * <p><b>Protocol.</b> The map goes through three versions per rebalance: {@code v} (stable, old
 * shards {@code O}), {@code v+1} (rebalancing {@code O -> N}) and {@code v+2} (stable, {@code N}).
 * <ol>
 *   <li>Every write is <em>fenced</em>: it is routed by the instance's cached map, at version
 *       {@code w}, and runs inside {@link ShardMapStore#fenced}{@code (w)}, which holds the map in
 *       shared mode for the write's duration and rejects it, before it runs, if the stored version
 *       is not {@code w}. A rejected write adopts the stored map (carried by
 *       {@link StaleShardMapException}) and is routed again; nothing of it was written. While the
 *       map is rebalancing, the write also holds its id's key lock.
 *   <li>The rebalancer stores {@code v+1} with {@link ShardMapStore#compareAndSet}, which waits
 *       for every fenced write in flight; only then does it scan the old shards and move records,
 *       each batch holding its ids' key locks ({@link ShardMapStore#withKeysLocked}) while it
 *       re-reads, copies, verifies and deletes the sources (see {@link Rebalancer}).
 *   <li>When every old shard is done, it stores {@code v+2}, again waiting for writes in flight.
 * </ol>
 * Reads are not fenced: they use the cached map, refreshed when it is older than
 * {@link ShardedRepositoryBuilder#shardMapMaxAge}, after a {@code findById} that found nothing,
 * by a {@link ConsistencyToken} from a newer map, and by every rejected write.
 *
 * <p><b>Invariants, and why they hold.</b>
 * <ul>
 *   <li><i>No write routed by the old map overlaps a move.</i> A write at {@code v} holds the map
 *       shared; {@code v+1} is stored only once all of them have returned, and moving starts after
 *       that. A write that starts later carries {@code v} and is rejected (rule 1), so from then on
 *       every write knows both topologies.
 *   <li><i>Per id, writes and the move are serialised across instances.</i> During {@code v+1}
 *       a write and the batch that moves its id hold the same key lock, in every instance. Within
 *       that exclusion the two-topology rules of {@link RecordAccess} hold as they do in one
 *       process: a writer moves the record to its new shard before writing it there and then
 *       deletes the old copy; the mover re-reads the source under the lock, inserts only if
 *       absent ({@code insertAllIfAbsent}: a newer copy written meanwhile wins), verifies the copy
 *       is at that version or later, and only then deletes the source. So at every moment a
 *       record's latest acknowledged version is on its new shard or, if it has not moved yet, on
 *       its old one, never only in flight; and a delete cannot be undone by a move that read the
 *       record before it (the move holds the lock from its read to its delete).
 *   <li><i>Nothing is left behind.</i> Records that exist when {@code v+1} is stored are all seen
 *       by the scan that starts after it (a JDBC scan is a snapshot; the in-memory scan sees
 *       entries present throughout), and records created during {@code v+1} go straight to their
 *       new shard. So when the scan ends every record is on its new shard, and {@code v+2} (which
 *       also waits for the {@code v+1} writes in flight) routes only there.
 *   <li><i>One rebalance at a time.</i> {@code v+1} is stored by compare-and-set: of two instances
 *       starting one, one wins; the other resumes the same one or refuses another target. A
 *       rebalancer that dies leaves the map at {@code v+1}: every instance keeps writing with both
 *       topologies, and {@code rebalance} with the same shards, on any instance, resumes (every
 *       step is idempotent).
 * </ul>
 *
 * <p><b>Assumptions.</b> The store's locks must be released only when their holder is done or
 * dead. With {@code jdbc.JdbcShardMapStore} the map lock lives in a transaction on another
 * connection than the data write; if that one connection alone is cut while the write is still
 * in flight, the fence is lost for that write (as with any lock service without a fencing check
 * in the data store). No clock is trusted: fencing is by locks and versions, not leases.
 *
 * <p><b>Cost.</b> A write takes one extra round trip to the store (a transaction holding a
 * shared row lock, plus one advisory lock during a rebalance); {@code findById} takes none unless
 * it misses or the cached map is older than the maximum age.
 *
 * <p><b>Concurrency.</b> The cached state lives in {@link Topologies}; adopting a map is
 * serialised and never goes back to an older version. Shards are made once per name, so a shard's
 * circuit breaker survives map changes.
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
final class SharedShardMap<ID, T> implements Coordination<ID, T> {

  private static final Logger LOG = LoggerFactory.getLogger(SharedShardMap.class);

  /** How many times a write is routed again after {@link StaleShardMapException} before giving up. */
  static final int MAX_ATTEMPTS = 16;

  private final String name;
  private final EntityDescriptor<ID, T> descriptor;
  private final ShardMapStore store;
  private final Function<String, ? extends @Nullable Repository<ID, T>> resolver;
  private final Topologies<ID, T> topologies;
  private final ShardHealth<ID, T> health;
  private final ShardingStrategy strategy;
  private final TimeSource time;
  private final long maxAgeNanos;
  private final ConcurrentHashMap<String, Shard<ID, T>> shardsByName = new ConcurrentHashMap<>();
  private final AtomicLong refreshedAt = new AtomicLong();
  private final Object adoptLock = new Object();

  SharedShardMap(String name, EntityDescriptor<ID, T> descriptor, ShardMapStore store,
      Function<String, ? extends @Nullable Repository<ID, T>> resolver, Topologies<ID, T> topologies,
      ShardHealth<ID, T> health, ShardingStrategy strategy, TimeSource time, Duration maxAge) {
    this.name = name;
    this.descriptor = descriptor;
    this.store = store;
    this.resolver = resolver;
    this.topologies = topologies;
    this.health = health;
    this.strategy = strategy;
    this.time = time;
    this.maxAgeNanos = maxAge.toNanos();
  }

  /** Registers the builder's shards by name and adopts the stored map, storing theirs if there is none. */
  void start() {
    Topology<ID, T> initial = topologies.state().current;
    List<String> names = new ArrayList<>();
    for (Shard<ID, T> shard : initial.shards) {
      shardsByName.put(shard.primary.name(), shard);
      names.add(shard.primary.name());
    }
    adopt(store.loadOrCreate(new ShardMap(name, 1, names, null)));
  }

  @Override
  public <R> R write(String idKey, boolean lockAlways, Function<TopologyState<ID, T>, R> body) {
    // lockAlways serves LocalCoordination, where it keeps a field-keyed delete apart from the
    // mover; here the mover only runs while the map is rebalancing, when every write locks its id.
    StaleShardMapException stale = null;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      TopologyState<ID, T> s = topologies.state();
      List<String> keys = s.isRebalancing() ? List.of(idKey) : List.of();
      try {
        return store.fenced(name, s.version, keys, () -> body.apply(s));
      } catch (StaleShardMapException e) {
        stale = e;
        LOG.debug("repository {}: write routed by shard map version {} was fenced off; adopting version {}", name,
            s.version, e.current().version());
        adopt(e.current());
      }
    }
    throw stale;
  }

  @Override
  public <R> R move(Collection<String> idKeys, Supplier<R> body) {
    return store.withKeysLocked(name, idKeys, body);
  }

  @Override
  public TopologyState<ID, T> beginRebalance(List<? extends Repository<ID, T>> newShards) {
    List<Repository<ID, T>> checked = ShardedRepositoryBuilder.requireShards(newShards, "newShards");
    strategy.checkShardCount(checked.size());
    List<String> names = new ArrayList<>();
    for (Repository<ID, T> repository : checked) {
      names.add(register(repository));
    }
    ShardMap m = load();
    while (true) {
      List<String> target = m.target();
      if (target != null) {
        if (!target.equals(names)) {
          throw new IllegalStateException("repository " + name + " is rebalancing to " + target
              + " (shard map version " + m.version() + "); resume that rebalance with the same shards first");
        }
        LOG.info("repository {}: resuming the rebalance of shard map version {} to {}", name, m.version(), names);
        return stateAt(m);
      }
      ShardMap next = m.startingRebalanceTo(names);
      if (store.compareAndSet(m, next)) {
        LOG.info("repository {}: shard map version {} starts a rebalance {} -> {}", name, next.version(),
            m.shards(), names);
        return stateAt(next);
      }
      m = load();
    }
  }

  @Override
  public void finishRebalance(TopologyState<ID, T> migrating) {
    ShardMap m = load();
    if (m.version() == migrating.version && m.isRebalancing()) {
      ShardMap done = m.completingRebalance();
      if (store.compareAndSet(m, done)) {
        adopt(done);
        return;
      }
      m = load();
    }
    Topology<ID, T> target = migrating.target;
    if (target != null && !m.isRebalancing() && m.shards().equals(namesOf(target))) {
      adopt(m); // another instance resumed the same rebalance and finished first
      return;
    }
    throw new IllegalStateException("shard map of " + name + " changed during the rebalance of version "
        + migrating.version + ": now " + m);
  }

  @Override
  public void beforeRead() {
    long last = refreshedAt.get();
    if (time.nanoTime() - last > maxAgeNanos && refreshedAt.compareAndSet(last, time.nanoTime())) {
      try {
        store.load(name).ifPresent(this::adopt);
      } catch (StoreException e) {
        // Reads go on with the cached map; writes fail on the store by themselves.
        LOG.warn("repository {}: cannot refresh the shard map, reading with version {}: {}", name,
            topologies.state().version, e.getMessage());
      }
    }
  }

  @Override
  public boolean refreshAfterMiss() {
    return adopt(load());
  }

  @Override
  public void awaitVersion(long version) {
    if (topologies.state().version < version) {
      adopt(load());
    }
  }

  /** Adopts a map if it is newer than the cached one; returns whether it was. */
  boolean adopt(ShardMap m) {
    synchronized (adoptLock) {
      refreshedAt.set(time.nanoTime());
      if (m.version() <= topologies.state().version) {
        return false;
      }
      List<String> target = m.target();
      topologies.replace(new TopologyState<>(topology(m, m.shards()), target == null ? null : topology(m, target),
          m.version()));
      return true;
    }
  }

  private TopologyState<ID, T> stateAt(ShardMap m) {
    adopt(m);
    TopologyState<ID, T> s = topologies.state();
    if (s.version != m.version()) {
      throw new IllegalStateException("shard map of " + name + " moved on to version " + s.version
          + " while a rebalance at version " + m.version() + " was starting; call rebalance again");
    }
    return s;
  }

  private Topology<ID, T> topology(ShardMap m, List<String> names) {
    List<Shard<ID, T>> shards = new ArrayList<>(names.size());
    for (String shardName : names) {
      shards.add(shardsByName.computeIfAbsent(shardName, n -> health.newShard(resolve(m, n), List.of())));
    }
    strategy.checkShardCount(shards.size());
    return new Topology<>(shards);
  }

  private Repository<ID, T> resolve(ShardMap m, String shardName) {
    Repository<ID, T> repository = resolver.apply(shardName);
    if (repository == null) {
      throw new IllegalStateException("shard map of " + name + " at version " + m.version() + " names shard '"
          + shardName + "', which this instance's shard resolver does not know");
    }
    if (!repository.name().equals(shardName) || repository.descriptor() != descriptor) {
      throw new IllegalStateException("the shard resolver of " + name + " gave " + repository + " for shard '"
          + shardName + "'; it must give a repository of that name with this repository's descriptor");
    }
    return repository;
  }

  /** Makes (once) the shard of a repository a rebalance names, and returns its name. */
  private String register(Repository<ID, T> repository) {
    if (repository.descriptor() != descriptor) {
      throw new IllegalArgumentException("shard " + repository.name() + " has another descriptor than " + name);
    }
    Shard<ID, T> shard = shardsByName.computeIfAbsent(repository.name(), n -> health.newShard(repository, List.of()));
    if (shard.primary != repository) {
      throw new IllegalArgumentException("newShards names repository '" + repository.name()
          + "', but this instance already uses another repository of that name");
    }
    return repository.name();
  }

  private static <ID, T> List<String> namesOf(Topology<ID, T> topology) {
    List<String> names = new ArrayList<>(topology.size());
    for (Shard<ID, T> shard : topology.shards) {
      names.add(shard.primary.name());
    }
    return names;
  }

  private ShardMap load() {
    return store.load(name).orElseThrow(() -> new IllegalStateException("no shard map is stored for " + name));
  }
}
