package dev.layerkit.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.core.hash.Hashing;
import dev.layerkit.core.hash.JumpHash;
import dev.layerkit.store.sharding.RebalanceReport;
import dev.layerkit.store.sharding.ShardedRepository;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A Jepsen-style history check of a rebalance run while several {@link ShardedRepository}
 * instances write: every acknowledged write is recorded as (id, version); afterwards each
 * acknowledged id must be stored exactly once, on the shard it belongs to, at its last
 * acknowledged version (or, if a write of it ended in an indeterminate error, at a version no
 * lower), and no (id, version) may have been acknowledged twice (two live copies of one record
 * would each accept an update to the same version).
 *
 * <p>Each writer thread loops: with probability 1/40 it deletes a record (outside a small hot set);
 * with 9/40 it creates one (save at version 0); else it reads a record through its instance (half
 * the time one of the hot set, so that instances race on the same ids) and saves it back. An id
 * whose delete was acknowledged must be absent at the end (a move that copied it back would
 * resurrect it). A conflict ({@link OptimisticLockException}) is a
 * legitimate refusal and is not acknowledged.
 */
public final class ConcurrentRebalanceHistory {

  /** What a run observed, for the checks and for the report. */
  public static final class Result {
    /** Acknowledged writes. */
    public final AtomicLong acknowledged = new AtomicLong();
    /** Acknowledged deletes. */
    public final AtomicLong deletes = new AtomicLong();
    /** Writes refused by an optimistic version check. */
    public final AtomicLong conflicts = new AtomicLong();
    /** Writes that failed otherwise (indeterminate). */
    public final AtomicLong indeterminate = new AtomicLong();
    /** Acknowledged writes made while the rebalance ran. */
    public final AtomicLong duringRebalance = new AtomicLong();
    /** Reads of a record known to exist that found nothing. */
    public final AtomicLong missedReads = new AtomicLong();
    /** The rebalance's report. */
    public RebalanceReport report;
    /** Anomalies: acknowledged (id, version) pairs seen twice. */
    public final List<String> anomalies = new CopyOnWriteArrayList<>();

    @Override
    public String toString() {
      return "acknowledged=" + acknowledged + " (deletes " + deletes + "; during the rebalance " + duringRebalance + "), conflicts=" + conflicts
          + ", indeterminate=" + indeterminate + ", missedReads=" + missedReads + ", moved=" + report.moved() + "/"
          + report.examined();
    }
  }

  private ConcurrentRebalanceHistory() {}

  /**
   * Seeds {@code initialRecords} through the first instance, starts {@code threadsPerInstance}
   * writers on each instance, rebalances the first instance onto {@code target} once writing is
   * under way, lets the writers go on for as long again after it, stops them, and checks the
   * history against the target shards' contents.
   *
   * @return what was observed
   */
  public static Result run(List<ShardedRepository<String, TestOrder>> instances,
      List<? extends Repository<String, TestOrder>> target, int initialRecords, int threadsPerInstance) throws Exception {
    Result result = new Result();
    Map<String, Long> lastAcked = new ConcurrentHashMap<>();
    Set<String> ackedPairs = ConcurrentHashMap.newKeySet();
    Map<String, Integer> indeterminateIds = new ConcurrentHashMap<>();
    List<String> ids = new CopyOnWriteArrayList<>();
    Set<String> deleting = ConcurrentHashMap.newKeySet();
    Set<String> ackedDeletes = ConcurrentHashMap.newKeySet();
    ShardedRepository<String, TestOrder> rebalancer = instances.get(0);
    for (int i = 0; i < initialRecords; i++) {
      TestOrder saved = rebalancer.save(TestOrder.of("o-" + i, "c-" + i % 40, i, "NEW"));
      lastAcked.put(saved.id(), saved.version());
      ackedPairs.add(saved.id() + "@" + saved.version());
      ids.add(saved.id());
    }
    AtomicBoolean stop = new AtomicBoolean();
    AtomicBoolean rebalancing = new AtomicBoolean();
    AtomicInteger created = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(instances.size() * threadsPerInstance);
    List<Future<?>> writers = new ArrayList<>();
    for (int n = 0; n < instances.size(); n++) {
      ShardedRepository<String, TestOrder> instance = instances.get(n);
      for (int t = 0; t < threadsPerInstance; t++) {
        long seed = 31L * n + t;
        writers.add(pool.submit(() -> {
          SplittableRandom random = new SplittableRandom(seed);
          while (!stop.get()) {
            TestOrder toSave;
            int dice = random.nextInt(40);
            if (dice == 0 && ids.size() > 100) {
              String id = ids.get(50 + random.nextInt(ids.size() - 50));
              if (deleting.add(id)) {
                boolean during = rebalancing.get();
                try {
                  instance.deleteById(id);
                  ackedDeletes.add(id);
                  result.deletes.incrementAndGet();
                  if (during && rebalancing.get()) {
                    result.duringRebalance.incrementAndGet();
                  }
                } catch (RuntimeException e) {
                  result.indeterminate.incrementAndGet();
                  indeterminateIds.merge(id, 1, Integer::sum);
                }
              }
              continue;
            }
            if (dice < 10) {
              int k = created.getAndIncrement();
              toSave = TestOrder.of("w-" + k, "c-" + k % 40, k, "NEW");
            } else {
              String id = random.nextBoolean() ? ids.get(random.nextInt(Math.min(50, ids.size())))
                  : ids.get(random.nextInt(ids.size()));
              var found = instance.findById(id);
              if (found.isEmpty()) {
                if (!deleting.contains(id)) {
                  result.missedReads.incrementAndGet();
                }
                continue;
              }
              toSave = found.get().incremented();
            }
            boolean during = rebalancing.get();
            try {
              TestOrder saved = instance.save(toSave);
              if (!ackedPairs.add(saved.id() + "@" + saved.version())) {
                result.anomalies.add(saved.id() + "@" + saved.version() + " acknowledged twice");
              }
              lastAcked.merge(saved.id(), saved.version(), Math::max);
              if (toSave.version() == 0) {
                ids.add(saved.id());
              }
              result.acknowledged.incrementAndGet();
              if (during && rebalancing.get()) {
                result.duringRebalance.incrementAndGet();
              }
            } catch (OptimisticLockException e) {
              result.conflicts.incrementAndGet();
            } catch (RuntimeException e) {
              result.indeterminate.incrementAndGet();
              indeterminateIds.merge(toSave.id(), 1, Integer::sum);
            }
          }
          return null;
        }));
      }
    }
    try {
      long warmUp = result.acknowledged.get() + 200;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (result.acknowledged.get() < warmUp && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      long started = System.nanoTime();
      rebalancing.set(true);
      result.report = rebalancer.rebalance(target, (moved, examined, total) -> { });
      rebalancing.set(false);
      // As long again after the switch, at least until every instance has written on the new map.
      long took = System.nanoTime() - started;
      long afterDeadline = System.nanoTime() + Math.max(took, TimeUnit.MILLISECONDS.toNanos(200));
      while (System.nanoTime() < afterDeadline) {
        Thread.onSpinWait();
      }
    } finally {
      stop.set(true);
      pool.shutdown();
      assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    }
    for (Future<?> writer : writers) {
      writer.get();
    }
    check(target, lastAcked, ackedDeletes, indeterminateIds, result);
    System.out.println("[history] " + instances.size() + " instances x " + threadsPerInstance + " writers: " + result
        + ", ids checked=" + lastAcked.size());
    return result;
  }

  private static void check(List<? extends Repository<String, TestOrder>> target, Map<String, Long> lastAcked,
      Set<String> ackedDeletes, Map<String, Integer> indeterminateIds, Result result) {
    Map<String, TestOrder> stored = new HashMap<>();
    List<String> problems = new ArrayList<>(result.anomalies);
    for (int s = 0; s < target.size(); s++) {
      try (Stream<TestOrder> all = target.get(s).scan()) {
        int shard = s;
        all.forEach(o -> {
          if (stored.put(o.id(), o) != null) {
            problems.add(o.id() + " stored twice");
          }
          int home = JumpHash.bucket(Hashing.hash(o.id()), target.size());
          if (home != shard) {
            problems.add(o.id() + " stored on shard " + shard + ", belongs on " + home);
          }
        });
      }
    }
    lastAcked.forEach((id, version) -> {
      TestOrder o = stored.get(id);
      int unknown = indeterminateIds.getOrDefault(id, 0);
      if (ackedDeletes.contains(id)) {
        if (o != null) {
          problems.add(id + " deleted (acknowledged) but stored at version " + o.version());
        }
      } else if (o == null) {
        problems.add(id + " acknowledged at version " + version + " but lost");
      } else if (unknown == 0 ? o.version() != version : o.version() < version || o.version() > version + unknown) {
        problems.add(id + " acknowledged last at version " + version + " but stored at " + o.version());
      }
    });
    stored.keySet().forEach(id -> {
      if (!lastAcked.containsKey(id) && !indeterminateIds.containsKey(id)) {
        problems.add(id + " stored but never written");
      }
    });
    assertThat(problems).as("history anomalies (%s)", result).isEmpty();
    assertThat(result.missedReads.get()).as("reads that missed an existing record (%s)", result).isZero();
  }
}
