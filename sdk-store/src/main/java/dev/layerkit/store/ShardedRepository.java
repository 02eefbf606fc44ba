package dev.layerkit.store;

import dev.layerkit.core.codec.CodecException;
import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.store.internal.JsonDocs;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Repository} spread over several shard repositories (any backends), with direct
 * routing by shard key, scatter-gather queries, read replicas, per-shard failure handling and
 * online rebalancing.
 *
 * <pre>{@code
 * ShardedRepository<String, Order> orders = ShardedRepository.builder(List.of(s0, s1, s2, s3))
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
 * ({@link Builder#shardKey}); the {@link ShardingStrategy} maps it to a shard index. Writes and
 * {@link #findById} route directly (with a field shard key, {@code findById} and
 * {@code deleteById} must ask every shard). A filter with an equality or {@code in} condition on
 * the shard key field asks only the shards of those values; any other filter is a scatter query,
 * subject to the {@link ScatterPolicy}, sent to all shards in parallel on a bounded executor and
 * merged: a k-way merge in the filter's order when sorted, stopping at the limit (each shard is
 * asked for at most the limit). {@link #explain(Filter)} says which shards a filter would touch.
 *
 * <p><b>Failure.</b> A shard whose call fails with anything but a caller error (an optimistic
 * lock conflict, bad arguments, a codec failure) is marked down for
 * {@link Builder#unavailableFor}: its operations fail at once with
 * {@link ShardUnavailableException} naming it, without waiting for the backend, until the time is
 * up and a call is tried again. A scatter query fails when a shard is down, unless the caller uses
 * {@link #findAllAllowingPartial}, whose result is marked partial. {@link #healthChecks()} gives a
 * check per shard.
 *
 * <p><b>Replicas.</b> A shard may have read replicas ({@link Builder#shard(Repository, List)}):
 * reads go to them round-robin, except with {@link ReadConsistency#READ_YOUR_WRITES} or when this
 * instance wrote to the shard within {@link Builder#readYourWritesWindow} (measured on the
 * {@link TimeSource}). Writes always go to the primary; a failing replica read is retried on the
 * primary. Replication itself is the backend's job.
 *
 * <p><b>Rebalancing.</b> {@link #rebalance} moves to a new list of shards online: it scans each
 * old shard and, for each record whose shard changes (only those: a repository that is in both
 * lists keeps the records that stay on it), copies it to the new shard with its version, checks the
 * copy, and deletes the source. Meanwhile reads ask the new shard, then the old; writes move a
 * record to its new shard first; queries ask both topologies and drop the stale copy. Every step
 * is idempotent, so a rebalance stopped anywhere (an exception, a killed process) resumes by
 * calling {@code rebalance} again with the same shards; a new process does so after building with
 * {@link Builder#rebalancingTo}. Rebalancing coordinates the writes made through this instance
 * (per-id locks while records move); other writers must go through an instance built with
 * {@code rebalancingTo} and should pause for the duration, or they may race with a move.
 *
 * <p><b>Concurrency.</b> Thread-safe. The topology is an immutable snapshot behind a
 * {@link StampedLock}: reads use an optimistic stamp (no write to shared memory on the hot path)
 * and retry under the read lock if a rebalance switched topology meanwhile; writes hold the read
 * lock; only the start and end of a rebalance take the write lock. Routing a key is
 * allocation-free with the built-in strategies.
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
public final class ShardedRepository<ID, T> implements Repository<ID, T>, AutoCloseable {

  /** The default {@link Builder#readYourWritesWindow}. */
  public static final Duration DEFAULT_READ_YOUR_WRITES_WINDOW = Duration.ofSeconds(5);

  /** The default {@link Builder#rebalanceBatchSize}. */
  public static final int DEFAULT_REBALANCE_BATCH_SIZE = 256;

  /** The default {@link Builder#unavailableFor}. */
  public static final Duration DEFAULT_UNAVAILABLE_FOR = Duration.ofSeconds(5);

  private static final Logger LOG = LoggerFactory.getLogger(ShardedRepository.class);
  private static final long NEVER = Long.MIN_VALUE;
  private static final int STRIPES = 256;

  /** One shard: a primary, its replicas, and what this instance knows of its health. */
  private static final class Shard<ID, T> {
    final Repository<ID, T> primary;
    final List<Repository<ID, T>> replicas;
    final AtomicLong lastWrite = new AtomicLong(NEVER);
    final AtomicInteger nextReplica = new AtomicInteger();
    volatile long downAt = NEVER;
    volatile @Nullable RuntimeException downCause;

    Shard(Repository<ID, T> primary, List<Repository<ID, T>> replicas) {
      this.primary = primary;
      this.replicas = replicas;
    }
  }

  /** An immutable list of shards. */
  private static final class Topology<ID, T> {
    final List<Shard<ID, T>> shards;

    Topology(List<Shard<ID, T>> shards) {
      this.shards = List.copyOf(shards);
    }

    int size() {
      return shards.size();
    }
  }

  /** The current topology and, during a rebalance, the target one. */
  private static final class State<ID, T> {
    final Topology<ID, T> current;
    final @Nullable Topology<ID, T> target;

    State(Topology<ID, T> current, @Nullable Topology<ID, T> target) {
      this.current = current;
      this.target = target;
    }
  }

  private final String name;
  private final EntityDescriptor<ID, T> descriptor;
  private final ShardingStrategy strategy;
  private final @Nullable String shardKeyField;
  private final @Nullable Function<? super T, ?> shardKey;
  private final ScatterPolicy scatterPolicy;
  private final Executor executor;
  private final @Nullable ExecutorService ownedExecutor;
  private final TimeSource time;
  private final long readYourWritesNanos;
  private final long unavailableForNanos;
  private final long scatterTimeoutNanos;
  private final int rebalanceBatchSize;
  private final StampedLock topologyLock = new StampedLock();
  private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
  private final Object rebalanceMonitor = new Object();
  private final @Nullable Counter scatterQueries;
  private final @Nullable Counter shardFailures;
  private final @Nullable Counter movedRecords;
  private volatile State<ID, T> state;

  private ShardedRepository(Builder<ID, T> b) {
    this.name = b.name;
    this.descriptor = b.shards.get(0).primary.descriptor();
    this.strategy = b.strategy;
    this.shardKeyField = b.shardKeyField;
    this.shardKey = b.shardKey;
    this.scatterPolicy = b.scatterPolicy;
    this.time = b.timeSource;
    this.readYourWritesNanos = b.readYourWritesWindow.toNanos();
    this.unavailableForNanos = b.unavailableFor.toNanos();
    this.scatterTimeoutNanos = b.scatterTimeout.toNanos();
    this.rebalanceBatchSize = b.rebalanceBatchSize;
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new ReentrantLock();
    }
    Topology<ID, T> current = new Topology<>(b.shards);
    Topology<ID, T> target = b.rebalancingTo == null ? null : topologyFor(current, b.rebalancingTo);
    this.state = new State<>(current, target);
    if (b.executor != null) {
      this.executor = b.executor;
      this.ownedExecutor = null;
    } else {
      int threads = b.parallelism;
      AtomicInteger counter = new AtomicInteger();
      ThreadFactory factory = runnable -> {
        Thread thread = new Thread(runnable, "layerkit-store-" + name + "-scatter-" + counter.incrementAndGet());
        thread.setDaemon(true);
        return thread;
      };
      ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
          new ArrayBlockingQueue<>(threads * 64), factory, new ThreadPoolExecutor.CallerRunsPolicy());
      pool.allowCoreThreadTimeOut(true);
      this.executor = pool;
      this.ownedExecutor = pool;
    }
    MeterRegistry registry = b.meterRegistry;
    if (registry != null) {
      this.scatterQueries = Counter.builder("layerkit.store.scatter.queries").tag("repository", name)
          .description("queries sent to every shard").register(registry);
      this.shardFailures = Counter.builder("layerkit.store.shard.failures").tag("repository", name)
          .description("shard calls that failed and marked a shard down").register(registry);
      this.movedRecords = Counter.builder("layerkit.store.rebalance.moved").tag("repository", name)
          .description("records moved to another shard by rebalancing").register(registry);
    } else {
      this.scatterQueries = null;
      this.shardFailures = null;
      this.movedRecords = null;
    }
  }

  /**
   * Starts a sharded repository over primaries without replicas; add replicated shards with
   * {@link Builder#shard(Repository, List)} instead.
   *
   * @param shards the shard repositories, in index order; they must share one descriptor
   * @param <ID> the id type
   * @param <T> the entity type
   * @return a builder
   * @throws NullPointerException if {@code shards} or a shard is null
   */
  public static <ID, T> Builder<ID, T> builder(List<? extends Repository<ID, T>> shards) {
    Builder<ID, T> builder = new Builder<>();
    for (Repository<ID, T> shard : Objects.requireNonNull(shards, "shards")) {
      builder.shard(shard);
    }
    return builder;
  }

  /**
   * Starts a sharded repository with no shards yet.
   *
   * @param <ID> the id type
   * @param <T> the entity type
   * @return a builder
   */
  public static <ID, T> Builder<ID, T> builder() {
    return new Builder<>();
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
    return state.current.size();
  }

  /**
   * Returns the primaries of the current topology, in shard order: for tools that work shard by
   * shard, such as {@code backup.Backup}.
   *
   * @return an immutable list
   */
  public List<Repository<ID, T>> shards() {
    List<Repository<ID, T>> primaries = new ArrayList<>();
    for (Shard<ID, T> shard : state.current.shards) {
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
    return state.target != null;
  }

  /**
   * Returns the primary of the shard an entity belongs to, for a write that must join a
   * transaction of that shard's database (a transactional outbox on {@code JdbcRepository}'s
   * {@code save(Connection, entity)}).
   *
   * <p>Such a write bypasses this repository: its read-your-writes window does not see it (read
   * it back with {@link ReadConsistency} that goes to the primary), and it must not run during a
   * rebalance.
   *
   * @param entity the entity
   * @return the shard's primary repository
   * @throws IllegalStateException while a rebalance is in progress
   */
  public Repository<ID, T> shardOf(T entity) {
    Objects.requireNonNull(entity, "entity");
    if (state.target != null) {
      throw new IllegalStateException("repository '" + name + "' is rebalancing; write through it,"
          + " not through a shard");
    }
    Topology<ID, T> topology = state.current;
    return topology.shards.get(indexFor(topology, routingKeyOf(entity))).primary;
  }

  // ---------------------------------------------------------------- routing

  private String keyText(@Nullable Object value) {
    if (value == null) {
      throw new NullPointerException("shard key field '" + shardKeyField + "' is null");
    }
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return Long.toString(((Number) value).longValue());
    }
    return value instanceof String ? (String) value : String.valueOf(value);
  }

  private String routingKeyOf(T entity) {
    return shardKey == null ? descriptor.idKey(descriptor.idOf(entity)) : keyText(shardKey.apply(entity));
  }

  private int indexFor(Topology<ID, T> topology, String key) {
    return strategy.shardFor(key, topology.size());
  }

  private ReentrantLock stripe(String idKey) {
    return stripes[(idKey.hashCode() & 0x7fffffff) % STRIPES];
  }

  private boolean routesById() {
    return shardKey == null;
  }

  /** The shard indices a filter touches in a topology, or null when it must ask all of them. */
  private @Nullable TreeSet<Integer> routedShards(Topology<ID, T> topology, Filter filter) {
    String field = shardKeyField != null ? shardKeyField : descriptor.idField();
    for (Filter.Condition condition : filter.conditions()) {
      if (condition.field().equals(field)
          && (condition.operator() == Filter.Operator.EQ || condition.operator() == Filter.Operator.IN)) {
        TreeSet<Integer> shards = new TreeSet<>();
        for (Object value : condition.values()) {
          shards.add(indexFor(topology, keyText(value)));
        }
        return shards;
      }
    }
    return null;
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
    State<ID, T> s = state;
    Topology<ID, T> topology = s.target != null ? s.target : s.current;
    String field = shardKeyField != null ? shardKeyField : descriptor.idField();
    TreeSet<Integer> routed = routedShards(topology, filter);
    if (routed != null) {
      return new QueryPlan(new ArrayList<>(routed), false,
          "equality or 'in' on shard key '" + field + "' routes to " + routed.size() + " of " + topology.size() + " shards",
          s.target != null);
    }
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < topology.size(); i++) {
      all.add(i);
    }
    return new QueryPlan(all, true, "no equality or 'in' condition on shard key '" + field + "': scatter to all "
        + topology.size() + " shards (policy " + scatterPolicy + ")", s.target != null);
  }

  // ---------------------------------------------------------------- calling shards

  private boolean isDown(Shard<ID, T> shard) {
    long at = shard.downAt;
    return at != NEVER && time.nanoTime() - at < unavailableForNanos;
  }

  private ShardUnavailableException unavailable(int index, Shard<ID, T> shard) {
    RuntimeException cause = shard.downCause;
    return ShardUnavailableException.of(index, shard.primary.name(),
        "marked down after a failure: " + (cause == null ? "unknown" : cause.getMessage()), cause);
  }

  private static boolean isCallerError(RuntimeException e) {
    return e instanceof OptimisticLockException || e instanceof IllegalArgumentException
        || e instanceof NullPointerException || e instanceof IllegalStateException
        || e instanceof CodecException || e instanceof UnsupportedOperationException
        || e instanceof ScatterQueryRejectedException || e instanceof ClassCastException;
  }

  private <R> R call(int index, Shard<ID, T> shard, Repository<ID, T> target, Function<Repository<ID, T>, R> op) {
    if (isDown(shard)) {
      throw unavailable(index, shard);
    }
    try {
      R result = op.apply(target);
      if (shard.downAt != NEVER && target == shard.primary) {
        shard.downAt = NEVER;
        shard.downCause = null;
      }
      return result;
    } catch (RuntimeException e) {
      return failed(index, shard, target, e, op);
    }
  }

  /** Handles a shard call's failure: rethrows caller errors, retries a replica read on the primary, marks the shard down. */
  private <R> R failed(int index, Shard<ID, T> shard, Repository<ID, T> target, RuntimeException e,
      Function<Repository<ID, T>, R> op) {
    if (isCallerError(e) || e instanceof ShardUnavailableException) {
      throw e;
    }
    if (target != shard.primary) {
      LOG.debug("replica {} of shard {} failed, reading the primary: {}", target.name(), index, e.toString());
      return call(index, shard, shard.primary, op);
    }
    shard.downCause = e;
    shard.downAt = time.nanoTime();
    if (shardFailures != null) {
      shardFailures.increment();
    }
    LOG.warn("repository {}: shard {} ({}) failed and is marked down for {} ms: {}", name, index,
        shard.primary.name(), TimeUnit.NANOSECONDS.toMillis(unavailableForNanos), e.toString());
    throw ShardUnavailableException.of(index, shard.primary.name(), e.getMessage() == null ? e.toString() : e.getMessage(), e);
  }

  private Repository<ID, T> readTarget(Shard<ID, T> shard, ReadConsistency consistency) {
    List<Repository<ID, T>> replicas = shard.replicas;
    if (replicas.isEmpty() || consistency == ReadConsistency.READ_YOUR_WRITES) {
      return shard.primary;
    }
    long last = shard.lastWrite.get();
    if (last != NEVER && time.nanoTime() - last < readYourWritesNanos) {
      return shard.primary;
    }
    return replicas.get((shard.nextReplica.getAndIncrement() & 0x7fffffff) % replicas.size());
  }

  private void wrote(Shard<ID, T> shard) {
    if (!shard.replicas.isEmpty()) {
      shard.lastWrite.set(time.nanoTime());
    }
  }

  // ---------------------------------------------------------------- reads

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
    String idKey = descriptor.idKey(id);
    long stamp = topologyLock.tryOptimisticRead();
    State<ID, T> s = state;
    if (stamp != 0 && s.target == null && shardKey == null) {
      Topology<ID, T> topology = s.current;
      int index = indexFor(topology, idKey);
      Shard<ID, T> shard = topology.shards.get(index);
      // The hot path, written out rather than through call(...) so that it captures no lambda.
      if (isDown(shard)) {
        throw unavailable(index, shard);
      }
      Repository<ID, T> target = readTarget(shard, consistency);
      Optional<T> found;
      try {
        found = target.findById(id);
        if (shard.downAt != NEVER && target == shard.primary) {
          shard.downAt = NEVER;
          shard.downCause = null;
        }
      } catch (RuntimeException e) {
        found = failed(index, shard, target, e, r -> r.findById(id));
      }
      if (topologyLock.validate(stamp)) {
        return found;
      }
    }
    stamp = topologyLock.readLock();
    try {
      return findByIdLocked(state, id, idKey, consistency);
    } finally {
      topologyLock.unlockRead(stamp);
    }
  }

  private Optional<T> findByIdLocked(State<ID, T> s, ID id, String idKey, ReadConsistency consistency) {
    if (routesById()) {
      Topology<ID, T> first = s.target != null ? s.target : s.current;
      int index = indexFor(first, idKey);
      Shard<ID, T> shard = first.shards.get(index);
      Optional<T> found = call(index, shard, readTarget(shard, consistency), r -> r.findById(id));
      if (found.isPresent() || s.target == null) {
        return found;
      }
      int oldIndex = indexFor(s.current, idKey);
      Shard<ID, T> old = s.current.shards.get(oldIndex);
      return old == shard ? found : call(oldIndex, old, readTarget(old, consistency), r -> r.findById(id));
    }
    // A field shard key: the id does not say where; ask every shard, new topology first.
    for (Map.Entry<Shard<ID, T>, Integer> entry : distinctShards(s).entrySet()) {
      Shard<ID, T> shard = entry.getKey();
      Optional<T> found = call(entry.getValue(), shard, readTarget(shard, consistency), r -> r.findById(id));
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  /** Every shard of the state, new topology first, each once, with its index in its topology. */
  private Map<Shard<ID, T>, Integer> distinctShards(State<ID, T> s) {
    Map<Shard<ID, T>, Integer> shards = new IdentityHashMap<>();
    List<Shard<ID, T>> ordered = new ArrayList<>();
    if (s.target != null) {
      for (int i = 0; i < s.target.size(); i++) {
        if (shards.putIfAbsent(s.target.shards.get(i), i) == null) {
          ordered.add(s.target.shards.get(i));
        }
      }
    }
    for (int i = 0; i < s.current.size(); i++) {
      if (shards.putIfAbsent(s.current.shards.get(i), i) == null) {
        ordered.add(s.current.shards.get(i));
      }
    }
    Map<Shard<ID, T>, Integer> result = new java.util.LinkedHashMap<>();
    for (Shard<ID, T> shard : ordered) {
      result.put(shard, shards.get(shard));
    }
    return result;
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
    long stamp = topologyLock.tryOptimisticRead();
    if (stamp != 0) {
      State<ID, T> s = state;
      PartialResult<T> result = queryIn(s, filter, consistency, allowPartial);
      if (topologyLock.validate(stamp)) {
        return result;
      }
    }
    stamp = topologyLock.readLock();
    try {
      return queryIn(state, filter, consistency, allowPartial);
    } finally {
      topologyLock.unlockRead(stamp);
    }
  }

  private void checkScatter(Filter filter) {
    if (scatterPolicy == ScatterPolicy.REJECT) {
      throw ScatterQueryRejectedException.of(name, shardKeyField != null ? shardKeyField : descriptor.idField(), filter);
    }
    if (scatterPolicy == ScatterPolicy.LOG) {
      LOG.warn("repository {}: scatter query {} asks every shard", name, filter);
    }
    if (scatterQueries != null) {
      scatterQueries.increment();
    }
  }

  private PartialResult<T> queryIn(State<ID, T> s, Filter filter, ReadConsistency consistency, boolean allowPartial) {
    if (s.target == null) {
      TreeSet<Integer> routed = routedShards(s.current, filter);
      if (routed == null) {
        checkScatter(filter);
      }
      List<Integer> indices = new ArrayList<>();
      if (routed == null) {
        for (int i = 0; i < s.current.size(); i++) {
          indices.add(i);
        }
      } else {
        indices.addAll(routed);
      }
      List<Integer> missing = new ArrayList<>();
      List<List<T>> parts = new ArrayList<>();
      for (List<T> part : gather(s.current, indices, consistency, allowPartial, missing, r -> r.findAll(filter))) {
        if (part != null) {
          parts.add(part);
        }
      }
      return new PartialResult<>(merge(parts, filter), missing);
    }
    // Rebalancing: ask every shard of both topologies, keep each record's copy at its new place,
    // or its old copy when the new place has none.
    if (routedShards(s.target, filter) == null) {
      checkScatter(filter);
    }
    Map<Shard<ID, T>, Integer> all = distinctShards(s);
    List<Shard<ID, T>> shards = new ArrayList<>(all.keySet());
    List<Integer> indices = new ArrayList<>();
    for (int i = 0; i < shards.size(); i++) {
      indices.add(i);
    }
    Topology<ID, T> union = new Topology<>(shards);
    List<Integer> missing = new ArrayList<>();
    List<@Nullable List<T>> answers = gather(union, indices, consistency, allowPartial, missing, r -> r.findAll(filter));
    Topology<ID, T> target = s.target;
    List<List<T>> parts = new ArrayList<>();
    for (int p = 0; p < answers.size(); p++) {
      Shard<ID, T> from = shards.get(p);
      List<T> answer = answers.get(p);
      if (answer == null) {
        continue;
      }
      List<T> kept = new ArrayList<>();
      for (T entity : answer) {
        int newIndex = indexFor(target, routingKeyOf(entity));
        Shard<ID, T> home = target.shards.get(newIndex);
        if (home == from) {
          kept.add(entity);
        } else {
          ID id = descriptor.idOf(entity);
          if (call(newIndex, home, home.primary, r -> r.findById(id)).isEmpty()) {
            kept.add(entity);
          }
        }
      }
      parts.add(kept);
    }
    List<Integer> missingInTarget = new ArrayList<>();
    for (int i : missing) {
      missingInTarget.add(all.get(shards.get(i)));
    }
    return new PartialResult<>(merge(parts, filter), missingInTarget);
  }

  /**
   * Runs {@code op} on the shards at {@code indices} (in parallel when more than one) and returns
   * the results aligned with {@code indices}: null where a shard was down and partial results are
   * allowed (its index then goes to {@code missing}).
   */
  private <R> List<@Nullable R> gather(Topology<ID, T> topology, List<Integer> indices, ReadConsistency consistency,
      boolean allowPartial, List<Integer> missing, Function<Repository<ID, T>, R> op) {
    // Fail fast: a shard known to be down fails the query before anything is sent.
    for (int index : indices) {
      Shard<ID, T> shard = topology.shards.get(index);
      if (isDown(shard) && !allowPartial) {
        throw unavailable(index, shard);
      }
    }
    List<@Nullable R> results = new ArrayList<>();
    List<@Nullable CompletableFuture<R>> futures = new ArrayList<>();
    boolean parallel = indices.size() > 1;
    for (int index : indices) {
      Shard<ID, T> shard = topology.shards.get(index);
      if (isDown(shard)) {
        futures.add(null);
      } else if (parallel) {
        futures.add(CompletableFuture.supplyAsync(() -> call(index, shard, readTarget(shard, consistency), op), executor));
      } else {
        CompletableFuture<R> done = new CompletableFuture<>();
        try {
          done.complete(call(index, shard, readTarget(shard, consistency), op));
        } catch (RuntimeException e) {
          done.completeExceptionally(e);
        }
        futures.add(done);
      }
    }
    // The wait is real time (a deadline for threads), not the TimeSource, which only measures.
    long deadline = System.nanoTime() + scatterTimeoutNanos;
    for (int i = 0; i < futures.size(); i++) {
      CompletableFuture<R> future = futures.get(i);
      if (future == null) {
        missing.add(indices.get(i));
        results.add(null);
        continue;
      }
      try {
        results.add(parallel && scatterTimeoutNanos > 0 ? await(future, deadline, indices.get(i), topology) : future.join());
      } catch (CompletionException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        if (allowPartial && cause instanceof ShardUnavailableException) {
          missing.add(indices.get(i));
          results.add(null);
          continue;
        }
        for (CompletableFuture<R> other : futures) {
          if (other != null) {
            other.cancel(false);
          }
        }
        if (cause instanceof RuntimeException) {
          throw (RuntimeException) cause;
        }
        throw new StoreException("repository " + name + ": scatter query failed: " + cause, cause);
      }
    }
    missing.sort(null);
    return results;
  }


  /** Waits for one shard's answer until the deadline; a shard that misses it is marked down. */
  private <R> R await(CompletableFuture<R> future, long deadline, int index, Topology<ID, T> topology) {
    try {
      return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      future.cancel(true);
      Shard<ID, T> shard = topology.shards.get(index);
      RuntimeException slow = ShardUnavailableException.of(index, shard.primary.name(),
          "no answer within the scatter timeout of " + Duration.ofNanos(scatterTimeoutNanos), null);
      shard.downCause = slow;
      shard.downAt = time.nanoTime();
      if (shardFailures != null) {
        shardFailures.increment();
      }
      LOG.warn("repository {}: shard {} ({}) did not answer within {} and is marked down", name, index,
          shard.primary.name(), Duration.ofNanos(scatterTimeoutNanos));
      throw new CompletionException(slow);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new CompletionException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CompletionException(new StoreException("repository " + name + ": interrupted while waiting for shard "
          + index, e));
    }
  }

  /** A cursor over one shard's sorted results, for the k-way merge. */
  private final class Head {
    final Iterator<T> rest;
    JsonDocs.Keyed current;

    Head(Iterator<T> rest) {
      this.rest = rest;
      this.current = keyed(rest.next());
    }

    boolean advance() {
      if (!rest.hasNext()) {
        return false;
      }
      current = keyed(rest.next());
      return true;
    }
  }

  private JsonDocs.Keyed keyed(T entity) {
    return new JsonDocs.Keyed(descriptor.idKey(descriptor.idOf(entity)),
        JsonDocs.parseObject(name, descriptor.codec().encode(entity)), entity);
  }

  @SuppressWarnings("unchecked")
  private List<T> merge(List<List<T>> parts, Filter filter) {
    List<T> merged = new ArrayList<>();
    if (parts.size() == 1 && parts.get(0).size() <= filter.limit()) {
      return parts.get(0);
    }
    if (filter.sort().isEmpty()) {
      for (List<T> part : parts) {
        for (T entity : part) {
          if (merged.size() >= filter.limit()) {
            return merged;
          }
          merged.add(entity);
        }
      }
      return merged;
    }
    Comparator<JsonDocs.Keyed> order = JsonDocs.comparator(filter.sort());
    PriorityQueue<Head> heads = new PriorityQueue<>(Math.max(1, parts.size()), (a, b) -> order.compare(a.current, b.current));
    for (List<T> part : parts) {
      if (!part.isEmpty()) {
        heads.add(new Head(part.iterator()));
      }
    }
    while (!heads.isEmpty() && merged.size() < filter.limit()) {
      Head head = heads.poll();
      merged.add((T) head.current.payload());
      if (head.advance()) {
        heads.add(head);
      }
    }
    return merged;
  }

  @Override
  public long count(Filter filter) {
    Objects.requireNonNull(filter, "filter");
    long stamp = topologyLock.readLock();
    try {
      State<ID, T> s = state;
      if (s.target != null) {
        // Two topologies: count the deduplicated matches (costs reading them; only while rebalancing).
        return queryIn(s, unsortedCopy(filter), ReadConsistency.READ_YOUR_WRITES, false).values().size();
      }
      TreeSet<Integer> routed = routedShards(s.current, filter);
      List<Integer> indices = new ArrayList<>();
      if (routed == null) {
        checkScatter(filter);
        for (int i = 0; i < s.current.size(); i++) {
          indices.add(i);
        }
      } else {
        indices.addAll(routed);
      }
      long total = 0;
      for (Long part : gather(s.current, indices, ReadConsistency.REPLICA_OK, false, new ArrayList<>(), r -> r.count(filter))) {
        total += part == null ? 0 : part;
      }
      return total;
    } finally {
      topologyLock.unlockRead(stamp);
    }
  }

  private static Filter unsortedCopy(Filter filter) {
    Filter result = Filter.all();
    for (Filter.Condition condition : filter.conditions()) {
      result = result.and(rebuild(condition));
    }
    return result;
  }

  private static Filter rebuild(Filter.Condition c) {
    switch (c.operator()) {
      case EQ:
        return Filter.eq(c.field(), c.value());
      case IN:
        return Filter.in(c.field(), c.values());
      case GT:
        return Filter.gt(c.field(), c.value());
      case GTE:
        return Filter.gte(c.field(), c.value());
      case LT:
        return Filter.lt(c.field(), c.value());
      case LTE:
        return Filter.lte(c.field(), c.value());
      default:
        throw new AssertionError(c.operator());
    }
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
    State<ID, T> s = state;
    Map<Shard<ID, T>, Integer> all = distinctShards(s);
    Topology<ID, T> target = s.target;
    return all.entrySet().stream().flatMap(entry -> {
      Shard<ID, T> shard = entry.getKey();
      Stream<T> records = call(entry.getValue(), shard, shard.primary, Repository::scan);
      if (target == null) {
        return records;
      }
      return records.filter(entity -> {
        int newIndex = indexFor(target, routingKeyOf(entity));
        Shard<ID, T> home = target.shards.get(newIndex);
        ID id = descriptor.idOf(entity);
        return home == shard || call(newIndex, home, home.primary, r -> r.findById(id)).isEmpty();
      });
    });
  }

  // ---------------------------------------------------------------- writes

  @Override
  public T save(T entity) {
    String key = routingKeyOf(entity);
    long stamp = topologyLock.readLock();
    try {
      State<ID, T> s = state;
      if (s.target == null) {
        int index = indexFor(s.current, key);
        Shard<ID, T> shard = s.current.shards.get(index);
        T saved = call(index, shard, shard.primary, r -> r.save(entity));
        wrote(shard);
        return saved;
      }
      ID id = descriptor.idOf(entity);
      int newIndex = indexFor(s.target, key);
      Shard<ID, T> home = s.target.shards.get(newIndex);
      int oldIndex = indexFor(s.current, key);
      Shard<ID, T> old = s.current.shards.get(oldIndex);
      ReentrantLock lock = stripe(descriptor.idKey(id));
      lock.lock();
      try {
        boolean copied = home != old && moveIfNeeded(oldIndex, old, newIndex, home, id);
        try {
          T saved = call(newIndex, home, home.primary, r -> r.save(entity));
          wrote(home);
          return saved;
        } finally {
          if (copied) {
            call(oldIndex, old, old.primary, r -> r.deleteById(id));
          }
        }
      } finally {
        lock.unlock();
      }
    } finally {
      topologyLock.unlockRead(stamp);
    }
  }

  /** Copies the old copy to the new shard if only the old one exists; returns whether it did. */
  private boolean moveIfNeeded(int oldIndex, Shard<ID, T> old, int newIndex, Shard<ID, T> home, ID id) {
    if (call(newIndex, home, home.primary, r -> r.findById(id)).isPresent()) {
      return false;
    }
    Optional<T> existing = call(oldIndex, old, old.primary, r -> r.findById(id));
    if (existing.isEmpty()) {
      return false;
    }
    call(newIndex, home, home.primary, r -> r.insertIfAbsent(existing.get()));
    return true;
  }

  @Override
  public boolean insertIfAbsent(T entity) {
    String key = routingKeyOf(entity);
    long stamp = topologyLock.readLock();
    try {
      State<ID, T> s = state;
      if (s.target == null) {
        int index = indexFor(s.current, key);
        Shard<ID, T> shard = s.current.shards.get(index);
        boolean inserted = call(index, shard, shard.primary, r -> r.insertIfAbsent(entity));
        wrote(shard);
        return inserted;
      }
      ID id = descriptor.idOf(entity);
      int newIndex = indexFor(s.target, key);
      Shard<ID, T> home = s.target.shards.get(newIndex);
      int oldIndex = indexFor(s.current, key);
      Shard<ID, T> old = s.current.shards.get(oldIndex);
      ReentrantLock lock = stripe(descriptor.idKey(id));
      lock.lock();
      try {
        if (home != old && call(oldIndex, old, old.primary, r -> r.findById(id)).isPresent()) {
          return false;
        }
        boolean inserted = call(newIndex, home, home.primary, r -> r.insertIfAbsent(entity));
        wrote(home);
        return inserted;
      } finally {
        lock.unlock();
      }
    } finally {
      topologyLock.unlockRead(stamp);
    }
  }

  @Override
  public boolean deleteById(ID id) {
    String idKey = descriptor.idKey(id);
    long stamp = topologyLock.readLock();
    try {
      State<ID, T> s = state;
      if (routesById() && s.target == null) {
        int index = indexFor(s.current, idKey);
        Shard<ID, T> shard = s.current.shards.get(index);
        boolean deleted = call(index, shard, shard.primary, r -> r.deleteById(id));
        wrote(shard);
        return deleted;
      }
      ReentrantLock lock = stripe(idKey);
      lock.lock();
      try {
        boolean deleted = false;
        for (Map.Entry<Shard<ID, T>, Integer> entry : candidates(s, idKey).entrySet()) {
          Shard<ID, T> shard = entry.getKey();
          deleted |= call(entry.getValue(), shard, shard.primary, r -> r.deleteById(id));
          wrote(shard);
        }
        return deleted;
      } finally {
        lock.unlock();
      }
    } finally {
      topologyLock.unlockRead(stamp);
    }
  }

  /** The shards that may hold an id: its old and new shard, or all of them with a field key. */
  private Map<Shard<ID, T>, Integer> candidates(State<ID, T> s, String idKey) {
    if (!routesById()) {
      return distinctShards(s);
    }
    Map<Shard<ID, T>, Integer> result = new java.util.LinkedHashMap<>();
    if (s.target != null) {
      int newIndex = indexFor(s.target, idKey);
      result.put(s.target.shards.get(newIndex), newIndex);
    }
    int oldIndex = indexFor(s.current, idKey);
    result.putIfAbsent(s.current.shards.get(oldIndex), oldIndex);
    return result;
  }

  // ---------------------------------------------------------------- health

  /**
   * Returns one health check per shard of the current topology, named
   * {@code <name>-shard-<index>}: {@code DOWN} while the shard is marked down (with the error),
   * otherwise its primary's check, {@code DEGRADED} if a replica's check is not up.
   *
   * @return the checks, in shard order
   */
  public List<HealthCheck> healthChecks() {
    List<HealthCheck> checks = new ArrayList<>();
    Topology<ID, T> topology = state.current;
    for (int i = 0; i < topology.size(); i++) {
      int index = i;
      Shard<ID, T> shard = topology.shards.get(i);
      checks.add(HealthCheck.of(name + "-shard-" + i, () -> shardHealth(index, shard)));
    }
    return checks;
  }

  private Health shardHealth(int index, Shard<ID, T> shard) {
    if (isDown(shard)) {
      RuntimeException cause = shard.downCause;
      return (cause == null ? Health.down("marked down") : Health.down(cause))
          .detail("shard", index).detail("repository", shard.primary.name()).build();
    }
    Health primary = shard.primary.healthCheck().check();
    HealthStatus status = primary.status();
    int replicasDown = 0;
    for (Repository<ID, T> replica : shard.replicas) {
      if (replica.healthCheck().check().status() != HealthStatus.UP) {
        replicasDown++;
      }
    }
    if (status == HealthStatus.UP && replicasDown > 0) {
      status = HealthStatus.DEGRADED;
    }
    return Health.status(status).detail("shard", index).detail("repository", shard.primary.name())
        .detail("replicas", shard.replicas.size()).detail("replicasNotUp", replicasDown).build();
  }

  /**
   * Returns a check of the whole repository: the worst of {@link #healthChecks()}.
   *
   * @return the check, named after the repository
   */
  @Override
  public HealthCheck healthCheck() {
    return HealthCheck.of(name, () -> {
      HealthStatus worst = HealthStatus.UP;
      Health.Builder builder = Health.up();
      List<String> notUp = new ArrayList<>();
      for (HealthCheck check : healthChecks()) {
        HealthStatus status = check.check().status();
        worst = worst.and(status);
        if (status != HealthStatus.UP) {
          notUp.add(check.name() + "=" + status);
        }
      }
      return Health.status(worst).detail("shards", state.current.size()).detail("notUp", notUp).build();
    });
  }

  // ---------------------------------------------------------------- rebalancing

  private Topology<ID, T> topologyFor(Topology<ID, T> current, List<? extends Repository<ID, T>> repositories) {
    Objects.requireNonNull(repositories, "newShards");
    if (repositories.isEmpty()) {
      throw new IllegalArgumentException("newShards must not be empty");
    }
    Map<Repository<ID, T>, Shard<ID, T>> known = new IdentityHashMap<>();
    for (Shard<ID, T> shard : current.shards) {
      known.put(shard.primary, shard);
    }
    Set<Repository<ID, T>> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    List<Shard<ID, T>> shards = new ArrayList<>();
    for (Repository<ID, T> repository : repositories) {
      Objects.requireNonNull(repository, "newShards element");
      if (!seen.add(repository)) {
        throw new IllegalArgumentException("newShards lists repository " + repository.name() + " twice");
      }
      Shard<ID, T> shard = known.get(repository);
      shards.add(shard != null ? shard : new Shard<>(repository, List.of()));
    }
    strategy.checkShardCount(shards.size());
    return new Topology<>(shards);
  }

  private static <ID, T> boolean samePrimaries(Topology<ID, T> a, Topology<ID, T> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.shards.get(i).primary != b.shards.get(i).primary) {
        return false;
      }
    }
    return true;
  }

  /**
   * Moves online to a new list of shards, and returns what was done.
   *
   * <p>Repositories in both lists (by identity) keep the records that stay on them; only records
   * whose shard changes are copied (with their version), checked on the new shard, and deleted
   * from the old one, in batches of {@link Builder#rebalanceBatchSize}. With jump hashing, growing from n to n+1 shards by appending one moves about
   * 1/(n+1) of the records. Reads, writes and queries keep working meanwhile (see the class
   * comment). Cost: one scan of every old shard plus, per batch and destination, a read and a
   * delete on the old shard and an insert and a read on the new one.
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
    Objects.requireNonNull(progress, "progress");
    synchronized (rebalanceMonitor) {
      long started = time.nanoTime();
      State<ID, T> s = state;
      Topology<ID, T> target = topologyFor(s.current, newShards);
      if (s.target != null) {
        if (!samePrimaries(s.target, target)) {
          throw new IllegalStateException("repository " + name + " is rebalancing to " + s.target.size()
              + " other shards; resume that rebalance with the same shards first");
        }
        target = s.target;
      } else {
        long write = topologyLock.writeLock();
        try {
          state = new State<>(s.current, target);
        } finally {
          topologyLock.unlockWrite(write);
        }
      }
      Topology<ID, T> current = s.current;
      Set<Shard<ID, T>> sources = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
      long total = 0;
      for (int i = 0; i < current.size(); i++) {
        Shard<ID, T> shard = current.shards.get(i);
        if (sources.add(shard)) {
          total += call(i, shard, shard.primary, r -> r.count(Filter.all()));
        }
      }
      long examined = 0;
      long moved = 0;
      List<T> pending = new ArrayList<>();
      Set<Shard<ID, T>> done = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
      for (int i = 0; i < current.size(); i++) {
        Shard<ID, T> source = current.shards.get(i);
        if (!done.add(source)) {
          continue;
        }
        int sourceIndex = i;
        try (Stream<T> records = call(i, source, source.primary, Repository::scan)) {
          Iterator<T> it = records.iterator();
          while (true) {
            T record;
            try {
              if (!it.hasNext()) {
                break;
              }
              record = it.next();
            } catch (RuntimeException e) {
              throw isCallerError(e) ? e : ShardUnavailableException.of(sourceIndex, source.primary.name(), "scan failed: " + e.getMessage(), e);
            }
            examined++;
            if (target.shards.get(indexFor(target, routingKeyOf(record))) == source) {
              continue;
            }
            pending.add(record);
            if (pending.size() >= rebalanceBatchSize) {
              moved += moveBatch(sourceIndex, source, target, pending);
              pending.clear();
              progress.onProgress(moved, examined, total);
            }
          }
        }
        if (!pending.isEmpty()) {
          moved += moveBatch(sourceIndex, source, target, pending);
          pending.clear();
          progress.onProgress(moved, examined, total);
        }
      }
      long write = topologyLock.writeLock();
      try {
        state = new State<>(target, null);
      } finally {
        topologyLock.unlockWrite(write);
      }
      progress.onProgress(moved, examined, total);
      Duration took = Duration.ofNanos(time.nanoTime() - started);
      LOG.info("repository {}: rebalanced {} -> {} shards, moved {} of {} records in {}", name, current.size(),
          target.size(), moved, examined, took);
      return new RebalanceReport(current.size(), target.size(), examined, moved, took);
    }
  }

  /**
   * Moves a batch of records from one source shard: under the batch's id locks, reads their
   * latest state from the source, inserts them (with their versions) into their new shards,
   * reads the copies back and checks their versions, then deletes the sources. Returns how many
   * moved. Any failure leaves the sources in place, so a resumed rebalance repeats the batch.
   */
  private int moveBatch(int sourceIndex, Shard<ID, T> source, Topology<ID, T> target, List<T> scanned) {
    List<ID> ids = new ArrayList<>(scanned.size());
    TreeSet<Integer> stripeIndices = new TreeSet<>();
    for (T record : scanned) {
      ID id = descriptor.idOf(record);
      ids.add(id);
      stripeIndices.add((descriptor.idKey(id).hashCode() & 0x7fffffff) % STRIPES);
    }
    // Sorted acquisition; writers hold at most one stripe, so this cannot deadlock.
    List<ReentrantLock> held = new ArrayList<>(stripeIndices.size());
    try {
      for (int index : stripeIndices) {
        ReentrantLock lock = stripes[index];
        lock.lock();
        held.add(lock);
      }
      // Read again under the locks: writers may have moved, changed or deleted records since the scan.
      List<T> latest = call(sourceIndex, source, source.primary, r -> r.findAllById(ids));
      Map<Integer, List<T>> byHome = new java.util.TreeMap<>();
      for (T record : latest) {
        int newIndex = indexFor(target, routingKeyOf(record));
        if (target.shards.get(newIndex) != source) {
          byHome.computeIfAbsent(newIndex, i -> new ArrayList<>()).add(record);
        }
      }
      List<ID> verified = new ArrayList<>(latest.size());
      for (Map.Entry<Integer, List<T>> entry : byHome.entrySet()) {
        int newIndex = entry.getKey();
        Shard<ID, T> home = target.shards.get(newIndex);
        List<T> records = entry.getValue();
        List<ID> recordIds = new ArrayList<>(records.size());
        for (T record : records) {
          recordIds.add(descriptor.idOf(record));
        }
        call(newIndex, home, home.primary, r -> r.insertAllIfAbsent(records));
        Map<String, Long> copies = new java.util.HashMap<>();
        for (T copy : call(newIndex, home, home.primary, r -> r.findAllById(recordIds))) {
          copies.put(descriptor.idKey(descriptor.idOf(copy)), descriptor.versionOf(copy));
        }
        for (T record : records) {
          String key = descriptor.idKey(descriptor.idOf(record));
          Long copied = copies.get(key);
          if (copied == null || copied < descriptor.versionOf(record)) {
            throw new StoreException("repository " + name + ": record " + key + " copied to shard " + newIndex + " ("
                + home.primary.name() + ") does not read back at version " + descriptor.versionOf(record)
                + " or later; the sources of this batch are kept", null);
          }
        }
        verified.addAll(recordIds);
      }
      if (!verified.isEmpty()) {
        call(sourceIndex, source, source.primary, r -> r.deleteAllById(verified));
        if (movedRecords != null) {
          movedRecords.increment(verified.size());
        }
      }
      return verified.size();
    } finally {
      for (int i = held.size() - 1; i >= 0; i--) {
        held.get(i).unlock();
      }
    }
  }

  /** Stops the scatter executor if this repository made it; the shards are the caller's to close. */
  @Override
  public void close() {
    if (ownedExecutor != null) {
      ownedExecutor.shutdown();
    }
  }

  @Override
  public String toString() {
    State<ID, T> s = state;
    return "ShardedRepository[" + name + ", shards=" + s.current.size() + ", strategy=" + strategy
        + (s.target != null ? ", rebalancing to " + s.target.size() : "") + ']';
  }

  /**
   * Builds a {@link ShardedRepository}; not thread-safe.
   *
   * @param <ID> the id type
   * @param <T> the entity type
   */
  public static final class Builder<ID, T> {
    private final List<Shard<ID, T>> shards = new ArrayList<>();
    private final Set<Repository<ID, T>> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private String name = "sharded";
    private ShardingStrategy strategy = ShardingStrategies.jumpHash();
    private @Nullable String shardKeyField;
    private @Nullable Function<? super T, ?> shardKey;
    private ScatterPolicy scatterPolicy = ScatterPolicy.ALLOW;
    private @Nullable Executor executor;
    private int parallelism = 0;
    private TimeSource timeSource = TimeSource.system();
    private Duration readYourWritesWindow = DEFAULT_READ_YOUR_WRITES_WINDOW;
    private Duration unavailableFor = DEFAULT_UNAVAILABLE_FOR;
    private Duration scatterTimeout = Duration.ZERO;
    private int rebalanceBatchSize = DEFAULT_REBALANCE_BATCH_SIZE;
    private @Nullable MeterRegistry meterRegistry;
    private @Nullable List<? extends Repository<ID, T>> rebalancingTo;

    private Builder() {}

    /**
     * Adds a shard without replicas.
     *
     * @param primary the shard's repository
     * @return this builder
     * @throws NullPointerException if {@code primary} is null
     * @throws IllegalArgumentException if the repository was already added
     */
    public Builder<ID, T> shard(Repository<ID, T> primary) {
      return shard(primary, List.of());
    }

    /**
     * Adds a shard with read replicas.
     *
     * @param primary the shard's repository, which takes every write
     * @param replicas read-only views of the same data (a replica database's repository)
     * @return this builder
     * @throws NullPointerException if an argument or a replica is null
     * @throws IllegalArgumentException if a repository was already added
     */
    public Builder<ID, T> shard(Repository<ID, T> primary, List<? extends Repository<ID, T>> replicas) {
      Objects.requireNonNull(primary, "primary");
      Objects.requireNonNull(replicas, "replicas");
      if (!seen.add(primary)) {
        throw new IllegalArgumentException("shard repository " + primary.name() + " was already added");
      }
      for (Repository<ID, T> replica : replicas) {
        Objects.requireNonNull(replica, "replica");
      }
      shards.add(new Shard<>(primary, List.copyOf(replicas)));
      return this;
    }

    /**
     * Sets the name for messages, metrics and health checks; default {@code "sharded"}.
     *
     * @param name the name
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public Builder<ID, T> name(String name) {
      this.name = Arguments.notBlank(name, "name");
      return this;
    }

    /**
     * Sets the sharding strategy; default {@link ShardingStrategies#jumpHash()}.
     *
     * @param strategy the strategy
     * @return this builder
     * @throws NullPointerException if {@code strategy} is null
     */
    public Builder<ID, T> strategy(ShardingStrategy strategy) {
      this.strategy = Objects.requireNonNull(strategy, "strategy");
      return this;
    }

    /**
     * Shards by a field instead of the id, for example to keep a customer's orders on one shard.
     * The field must not change over an entity's life; filters with equality or {@code in} on it
     * route directly, and {@code findById}/{@code deleteById} ask every shard.
     *
     * @param field the top-level JSON field holding the key
     * @param extractor reads the key from an entity; must match the field's value
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the field name is invalid
     */
    public Builder<ID, T> shardKey(String field, Function<? super T, ?> extractor) {
      this.shardKeyField = dev.layerkit.store.internal.Names.field("field", field);
      this.shardKey = Objects.requireNonNull(extractor, "extractor");
      return this;
    }

    /**
     * Sets what happens to queries that must ask every shard; default {@link ScatterPolicy#ALLOW}.
     *
     * @param scatterPolicy the policy
     * @return this builder
     * @throws NullPointerException if {@code scatterPolicy} is null
     */
    public Builder<ID, T> scatterPolicy(ScatterPolicy scatterPolicy) {
      this.scatterPolicy = Objects.requireNonNull(scatterPolicy, "scatterPolicy");
      return this;
    }

    /**
     * Runs scatter queries on a caller's executor (which the repository will not shut down)
     * instead of its own bounded pool.
     *
     * @param executor the executor
     * @return this builder
     * @throws NullPointerException if {@code executor} is null
     * @throws IllegalStateException if {@link #parallelism} was set
     */
    public Builder<ID, T> executor(Executor executor) {
      if (parallelism != 0) {
        throw new IllegalStateException("parallelism was set; an executor brings its own");
      }
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Sets the threads of the repository's own scatter pool (a fixed pool with a bounded queue;
     * when full, the caller runs the shard query itself). Default: the number of shards.
     *
     * @param parallelism the pool size
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if an executor was set
     */
    public Builder<ID, T> parallelism(int parallelism) {
      Arguments.positive(parallelism, "parallelism");
      if (executor != null) {
        throw new IllegalStateException("an executor was set; it brings its own parallelism");
      }
      this.parallelism = parallelism;
      return this;
    }

    /**
     * Sets the time source for the read-your-writes window, down marks and rebalance durations;
     * meant for tests ({@code ManualTimeSource}).
     *
     * @param timeSource the time source
     * @return this builder
     * @throws NullPointerException if {@code timeSource} is null
     */
    public Builder<ID, T> timeSource(TimeSource timeSource) {
      this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    /**
     * Sets how long after writing to a shard this instance reads that shard's primary rather
     * than a replica; default 5 s. Choose more than the replicas' usual lag.
     *
     * @param window the window; zero turns it off
     * @return this builder
     * @throws NullPointerException if {@code window} is null
     * @throws IllegalArgumentException if {@code window} is negative
     */
    public Builder<ID, T> readYourWritesWindow(Duration window) {
      this.readYourWritesWindow = Arguments.notNegative(window, "readYourWritesWindow");
      return this;
    }

    /**
     * Sets how long a shard whose call failed is considered down, failing calls at once; default
     * 5 s. After it, the next call tries the shard again.
     *
     * @param unavailableFor the duration; zero retries every call
     * @return this builder
     * @throws NullPointerException if {@code unavailableFor} is null
     * @throws IllegalArgumentException if it is negative
     */
    public Builder<ID, T> unavailableFor(Duration unavailableFor) {
      this.unavailableFor = Arguments.notNegative(unavailableFor, "unavailableFor");
      return this;
    }

    /**
     * Sets how many records {@link ShardedRepository#rebalance} moves per batch: one
     * {@code findAllById}, {@code insertAllIfAbsent}, {@code findAllById} and {@code deleteAllById}
     * per batch and destination, with the batch's ids locked against writes through this
     * instance. Default {@value #DEFAULT_REBALANCE_BATCH_SIZE}.
     *
     * @param rebalanceBatchSize records per batch
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder<ID, T> rebalanceBatchSize(int rebalanceBatchSize) {
      this.rebalanceBatchSize = Arguments.positive(rebalanceBatchSize, "rebalanceBatchSize");
      return this;
    }

    /**
     * Sets how long a scatter query waits for all its shards; a shard that has not answered by
     * then is marked down (see {@link #unavailableFor}) and the query fails with
     * {@link ShardUnavailableException}, or, for {@code findAllAllowingPartial}, leaves it out.
     * Default {@link Duration#ZERO}: no limit beyond the backends' own timeouts. Queries routed to
     * one shard run on the caller's thread and rely on the backend's timeouts.
     *
     * @param scatterTimeout the wait; zero for none
     * @return this builder
     * @throws NullPointerException if {@code scatterTimeout} is null
     * @throws IllegalArgumentException if it is negative
     */
    public Builder<ID, T> scatterTimeout(Duration scatterTimeout) {
      this.scatterTimeout = Arguments.notNegative(scatterTimeout, "scatterTimeout");
      return this;
    }

    /**
     * Registers counters {@code layerkit.store.scatter.queries}, {@code layerkit.store.shard.failures}
     * and {@code layerkit.store.rebalance.moved} (tag {@code repository}). Off by default; costs an
     * atomic increment per counted event.
     *
     * @param meterRegistry the registry
     * @return this builder
     * @throws NullPointerException if {@code meterRegistry} is null
     */
    public Builder<ID, T> meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
      return this;
    }

    /**
     * Starts in the middle of a rebalance to {@code newShards}, as after a process that was
     * rebalancing died: reads and writes use both topologies until
     * {@link ShardedRepository#rebalance} is called with the same shards and completes.
     *
     * @param newShards the shards the interrupted rebalance was moving to
     * @return this builder
     * @throws NullPointerException if {@code newShards} is null
     */
    public Builder<ID, T> rebalancingTo(List<? extends Repository<ID, T>> newShards) {
      this.rebalancingTo = List.copyOf(Objects.requireNonNull(newShards, "newShards"));
      return this;
    }

    /**
     * Builds the repository.
     *
     * @return the repository
     * @throws IllegalStateException if no shard was added or the shards' descriptors differ
     * @throws IllegalArgumentException if the strategy cannot use the number of shards
     */
    public ShardedRepository<ID, T> build() {
      if (shards.isEmpty()) {
        throw new IllegalStateException("at least one shard must be added");
      }
      EntityDescriptor<ID, T> descriptor = shards.get(0).primary.descriptor();
      for (Shard<ID, T> shard : shards) {
        if (shard.primary.descriptor() != descriptor) {
          throw new IllegalStateException("shard " + shard.primary.name() + " has another descriptor than "
              + shards.get(0).primary.name() + "; all shards must share one");
        }
      }
      strategy.checkShardCount(shards.size());
      if (parallelism == 0 && executor == null) {
        parallelism = Math.max(2, Math.max(shards.size(), rebalancingTo == null ? 0 : rebalancingTo.size()));
      }
      return new ShardedRepository<>(this);
    }
  }
}
