package dev.layerkit.store.sharding;

import dev.layerkit.store.Filter;
import dev.layerkit.store.Repository;
import dev.layerkit.store.ScatterQueryRejectedException;
import dev.layerkit.store.ShardUnavailableException;
import dev.layerkit.store.StoreException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Queries and counts: sends a filter to the shards it touches, in parallel, and merges the answers.
 *
 * <p><b>Algorithm.</b> A filter routed to some shards ({@link ShardRouter#routedShards}) asks
 * those; any other is a scatter query, first checked against the {@link ScatterPolicy}, that asks
 * all. With more than one shard to ask, each shard's call is a task on the bounded executor and
 * the caller waits for all, up to the scatter timeout; with one, the caller runs it. Each shard is
 * asked for at most the filter's limit, and {@link SortedMerge} merges. During a rebalance every
 * shard of both topologies is asked and, of a record's two copies, the one on its new shard is
 * kept ({@link RecordAccess#isCopyToKeep}).
 *
 * <p><b>Failure.</b> A shard whose breaker is open fails the query before anything is sent,
 * unless partial results are allowed, in which case it is left out and named in the
 * {@link PartialResult}. A shard that fails during the query, or misses the scatter timeout (which
 * opens its breaker), fails it the same way; the other shards' tasks are cancelled.
 *
 * <p><b>Concurrency.</b> Thread-safe. The repository's own pool has a fixed size and a bounded
 * queue; when the queue is full the calling thread runs the shard's call itself, which bounds the
 * work in flight without rejecting queries. The scatter timeout is measured in real time, since
 * it is a deadline for threads; the {@link dev.layerkit.core.time.TimeSource} only measures.
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
final class ScatterGather<ID, T> {

  private static final Logger LOG = LoggerFactory.getLogger(ScatterGather.class);

  private final String name;
  private final ShardRouter<ID, T> router;
  private final ShardHealth<ID, T> health;
  private final RecordAccess<ID, T> records;
  private final SortedMerge<ID, T> merge;
  private final ScatterPolicy scatterPolicy;
  private final Duration scatterTimeout;
  private final Executor executor;
  private final @Nullable ExecutorService ownedExecutor;
  private final @Nullable Counter scatterQueries;

  ScatterGather(ShardedRepositoryBuilder<ID, T> b, ShardRouter<ID, T> router, ShardHealth<ID, T> health,
      RecordAccess<ID, T> records, SortedMerge<ID, T> merge, int parallelism) {
    this.name = b.name;
    this.router = router;
    this.health = health;
    this.records = records;
    this.merge = merge;
    this.scatterPolicy = b.scatterPolicy;
    this.scatterTimeout = b.scatterTimeout;
    Executor given = b.executor;
    if (given != null) {
      this.executor = given;
      this.ownedExecutor = null;
    } else {
      ExecutorService pool = newPool(name, parallelism);
      this.executor = pool;
      this.ownedExecutor = pool;
    }
    MeterRegistry registry = b.meterRegistry;
    this.scatterQueries = registry == null ? null : Counter.builder("layerkit.store.scatter.queries")
        .tag("name", name).description("queries sent to every shard").register(registry);
  }

  private static ExecutorService newPool(String name, int threads) {
    AtomicInteger counter = new AtomicInteger();
    ThreadFactory factory = runnable -> {
      Thread thread = new Thread(runnable, "layerkit-store-" + name + "-scatter-" + counter.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(threads * 64), factory, new ThreadPoolExecutor.CallerRunsPolicy());
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /** Stops the pool if this repository made it. */
  void close() {
    if (ownedExecutor != null) {
      ownedExecutor.shutdown();
    }
  }

  private void requireScatterAllowed(Filter filter) {
    if (scatterPolicy == ScatterPolicy.REJECT) {
      throw ScatterQueryRejectedException.of(name, router.keyField(), filter);
    }
    if (scatterPolicy == ScatterPolicy.LOG) {
      LOG.warn("repository {}: scatter query {} asks every shard", name, filter);
    }
    if (scatterQueries != null) {
      scatterQueries.increment();
    }
  }

  PartialResult<T> query(TopologyState<ID, T> s, Filter filter, ReadConsistency consistency, boolean allowPartial) {
    if (!s.isRebalancing()) {
      TreeSet<Integer> routed = router.routedShards(s.current, filter);
      if (routed == null) {
        requireScatterAllowed(filter);
      }
      List<Integer> missing = new ArrayList<>();
      List<List<T>> parts = new ArrayList<>();
      for (List<T> part : gather(s.current, router.shardsToAsk(s.current, routed), consistency, allowPartial,
          missing, r -> r.findAll(filter))) {
        if (part != null) {
          parts.add(part);
        }
      }
      return new PartialResult<>(merge.merge(parts, filter), missing);
    }
    if (router.routedShards(s.newest(), filter) == null) {
      requireScatterAllowed(filter);
    }
    Map<Shard<ID, T>, Integer> all = s.distinctShards();
    List<Shard<ID, T>> shards = new ArrayList<>(all.keySet());
    List<Integer> missing = new ArrayList<>();
    List<@Nullable List<T>> answers = gather(new Topology<>(shards), ShardRouter.allIndices(shards.size()),
        consistency, allowPartial, missing, r -> r.findAll(filter));
    List<List<T>> parts = new ArrayList<>();
    for (int p = 0; p < answers.size(); p++) {
      List<T> answer = answers.get(p);
      if (answer == null) {
        continue;
      }
      List<T> kept = new ArrayList<>();
      for (T entity : answer) {
        if (records.isCopyToKeep(s, shards.get(p), entity)) {
          kept.add(entity);
        }
      }
      parts.add(kept);
    }
    List<Integer> missingShards = new ArrayList<>();
    for (int i : missing) {
      missingShards.add(all.get(shards.get(i)));
    }
    return new PartialResult<>(merge.merge(parts, filter), missingShards);
  }

  long count(TopologyState<ID, T> s, Filter filter) {
    if (s.isRebalancing()) {
      // Two topologies: count the deduplicated matches (costs reading them; only while rebalancing).
      return query(s, unsortedCopy(filter), ReadConsistency.READ_YOUR_WRITES, false).values().size();
    }
    TreeSet<Integer> routed = router.routedShards(s.current, filter);
    if (routed == null) {
      requireScatterAllowed(filter);
    }
    long total = 0;
    for (Long part : gather(s.current, router.shardsToAsk(s.current, routed), ReadConsistency.REPLICA_OK, false,
        new ArrayList<>(), r -> r.count(filter))) {
      total += part == null ? 0 : part;
    }
    return total;
  }

  /** The filter's conditions without its sort and limit, which a count ignores. */
  private static Filter unsortedCopy(Filter filter) {
    Filter result = Filter.all();
    for (Filter.Condition c : filter.conditions()) {
      result = result.and(switch (c.operator()) {
        case EQ -> Filter.eq(c.field(), c.value());
        case IN -> Filter.in(c.field(), c.values());
        case GT -> Filter.gt(c.field(), c.value());
        case GTE -> Filter.gte(c.field(), c.value());
        case LT -> Filter.lt(c.field(), c.value());
        case LTE -> Filter.lte(c.field(), c.value());
      });
    }
    return result;
  }

  /**
   * Runs {@code op} on the shards at {@code indices} (in parallel when more than one) and returns
   * the results aligned with {@code indices}: null where a shard was down and partial results are
   * allowed (its index then goes to {@code missing}, sorted).
   */
  private <R> List<@Nullable R> gather(Topology<ID, T> topology, List<Integer> indices, ReadConsistency consistency,
      boolean allowPartial, List<Integer> missing, Function<Repository<ID, T>, R> op) {
    List<@Nullable CompletableFuture<R>> futures = new ArrayList<>();
    boolean[] down = new boolean[indices.size()];
    for (int i = 0; i < indices.size(); i++) {
      int index = indices.get(i);
      down[i] = !health.permitsCalls(topology.get(index));
      if (down[i] && !allowPartial) {
        throw health.unavailable(index, topology.get(index));
      }
    }
    boolean parallel = indices.size() > 1;
    for (int i = 0; i < indices.size(); i++) {
      int index = indices.get(i);
      Shard<ID, T> shard = topology.get(index);
      if (down[i]) {
        futures.add(null);
      } else if (parallel) {
        futures.add(CompletableFuture.supplyAsync(
            () -> health.call(index, shard, health.readTarget(shard, consistency), op), executor));
      } else {
        CompletableFuture<R> done = new CompletableFuture<>();
        try {
          done.complete(health.call(index, shard, health.readTarget(shard, consistency), op));
        } catch (RuntimeException e) {
          done.completeExceptionally(e);
        }
        futures.add(done);
      }
    }
    long deadline = System.nanoTime() + scatterTimeout.toNanos();
    List<@Nullable R> results = new ArrayList<>();
    for (int i = 0; i < futures.size(); i++) {
      CompletableFuture<R> future = futures.get(i);
      int index = indices.get(i);
      if (future == null) {
        missing.add(index);
        results.add(null);
        continue;
      }
      try {
        results.add(parallel && !scatterTimeout.isZero() ? awaitAnswer(future, deadline, index, topology) : future.join());
      } catch (CompletionException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        if (allowPartial && cause instanceof ShardUnavailableException) {
          missing.add(index);
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

  /** Waits for one shard's answer until the deadline; a shard that misses it opens its breaker. */
  private <R> R awaitAnswer(CompletableFuture<R> future, long deadline, int index, Topology<ID, T> topology) {
    try {
      return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new CompletionException(health.recordTimeout(index, topology.get(index), scatterTimeout));
    } catch (ExecutionException e) {
      throw new CompletionException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CompletionException(new StoreException("repository " + name + ": interrupted while waiting for shard "
          + index, e));
    }
  }
}
