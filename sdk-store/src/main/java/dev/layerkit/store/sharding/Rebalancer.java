package dev.layerkit.store.sharding;

import dev.layerkit.core.time.TimeSource;
import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Filter;
import dev.layerkit.store.Repository;
import dev.layerkit.store.ShardUnavailableException;
import dev.layerkit.store.StoreException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Online rebalancing to a new list of shards.
 *
 * <p><b>Algorithm.</b> The state switches to two topologies (old and target); then each distinct
 * old shard is scanned once, and each record whose shard changes is queued; per batch, under the
 * batch's id stripes, the records are read again from the source (writers may have changed them
 * since the scan), inserted with their versions into their new shards
 * ({@code insertAllIfAbsent}), read back and checked to be at that version or later, and only then
 * deleted from the source. When every old shard is done the state switches to the target alone.
 *
 * <p><b>Invariants.</b> A record is always readable in its new shard or its old one (copy before
 * delete); every step is idempotent (inserting an existing copy is a no-op, deleting a deleted
 * source too), so a rebalance stopped anywhere resumes by being called again with the same shards,
 * in this process or, after {@link ShardedRepositoryBuilder#rebalancingTo}, another one. A
 * repository in both lists (by identity) keeps the records that stay on it.
 *
 * <p><b>Concurrency.</b> One rebalance at a time per instance (a monitor). Writers are kept apart
 * from the mover by a {@link Coordination}: without a shard map, the id stripes and the topology
 * lock of this instance (see {@link Topologies}), so writers in other processes are not, which the
 * public javadoc says; with one, the map's version fence and key locks, which hold for every
 * instance (see {@link SharedShardMap}, whose design note gives the protocol).
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
final class Rebalancer<ID, T> {

  private static final Logger LOG = LoggerFactory.getLogger(Rebalancer.class);

  private final String name;
  private final EntityDescriptor<ID, T> descriptor;
  private final ShardRouter<ID, T> router;
  private final ShardHealth<ID, T> health;
  private final Coordination<ID, T> coordination;
  private final TimeSource time;
  private final int batchSize;
  private final @Nullable Counter movedRecords;
  private final Object monitor = new Object();

  Rebalancer(ShardedRepositoryBuilder<ID, T> b, EntityDescriptor<ID, T> descriptor, ShardRouter<ID, T> router,
      ShardHealth<ID, T> health, Coordination<ID, T> coordination) {
    this.name = b.name;
    this.descriptor = descriptor;
    this.router = router;
    this.health = health;
    this.coordination = coordination;
    this.time = b.timeSource;
    this.batchSize = b.rebalanceBatchSize;
    MeterRegistry registry = b.meterRegistry;
    this.movedRecords = registry == null ? null : Counter.builder("layerkit.store.rebalance.moved")
        .tag("name", name).description("records moved to another shard by rebalancing").register(registry);
  }

  /**
   * The topology of {@code newShards}, reusing the shards (and their breakers) of {@code current}
   * for repositories that are in both.
   *
   * @throws IllegalArgumentException if the list is empty, names a repository twice, or the
   *     strategy cannot use that many shards
   */
  static <ID, T> Topology<ID, T> topologyOf(Topology<ID, T> current, List<? extends Repository<ID, T>> newShards,
      ShardHealth<ID, T> health, ShardingStrategy strategy) {
    ShardedRepositoryBuilder.requireShards(newShards, "newShards");
    Map<Repository<ID, T>, Shard<ID, T>> known = new IdentityHashMap<>();
    for (Shard<ID, T> shard : current.shards) {
      known.put(shard.primary, shard);
    }
    List<Shard<ID, T>> shards = new ArrayList<>();
    for (Repository<ID, T> repository : newShards) {
      Shard<ID, T> shard = known.get(repository);
      shards.add(shard != null ? shard : health.newShard(repository, List.of()));
    }
    strategy.checkShardCount(shards.size());
    return new Topology<>(shards);
  }

  RebalanceReport rebalance(List<? extends Repository<ID, T>> newShards, RebalanceProgress progress) {
    Objects.requireNonNull(progress, "progress");
    synchronized (monitor) {
      long started = time.nanoTime();
      TopologyState<ID, T> s = coordination.beginRebalance(newShards);
      Topology<ID, T> target = Objects.requireNonNull(s.target, "target");
      Topology<ID, T> current = s.current;
      Map<Shard<ID, T>, Integer> sources = new TopologyState<>(current, null).distinctShards();
      long total = 0;
      for (Map.Entry<Shard<ID, T>, Integer> source : sources.entrySet()) {
        total += health.call(source.getValue(), source.getKey(), source.getKey().primary, r -> r.count(Filter.all()));
      }
      long examined = 0;
      long moved = 0;
      List<T> pending = new ArrayList<>();
      for (Map.Entry<Shard<ID, T>, Integer> entry : sources.entrySet()) {
        Shard<ID, T> source = entry.getKey();
        int sourceIndex = entry.getValue();
        try (Stream<T> records = health.call(sourceIndex, source, source.primary, Repository::scan)) {
          Iterator<T> it = records.iterator();
          while (hasNextFromScan(it, sourceIndex, source)) {
            T record = it.next();
            examined++;
            if (target.get(router.indexOf(target, record)) == source) {
              continue;
            }
            pending.add(record);
            if (pending.size() >= batchSize) {
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
      coordination.finishRebalance(s);
      progress.onProgress(moved, examined, total);
      Duration took = Duration.ofNanos(time.nanoTime() - started);
      LOG.info("repository {}: rebalanced {} -> {} shards, moved {} of {} records in {}", name, current.size(),
          target.size(), moved, examined, took);
      return new RebalanceReport(current.size(), target.size(), examined, moved, took);
    }
  }

  /** {@code it.hasNext()}, with a failure of the scan's cursor reported as the source shard's. */
  private boolean hasNextFromScan(Iterator<T> it, int sourceIndex, Shard<ID, T> source) {
    try {
      return it.hasNext();
    } catch (RuntimeException e) {
      throw ShardHealth.isCallerError(e) ? e
          : ShardUnavailableException.of(sourceIndex, source.primary.name(), "scan failed: " + e.getMessage(), e);
    }
  }

  /**
   * Moves a batch of records from one source shard: under the batch's id stripes, reads their
   * latest state from the source, inserts them (with their versions) into their new shards,
   * reads the copies back and checks their versions, then deletes the sources. Returns how many
   * moved. Any failure leaves the sources in place, so a resumed rebalance repeats the batch.
   */
  private int moveBatch(int sourceIndex, Shard<ID, T> source, Topology<ID, T> target, List<T> scanned) {
    List<ID> ids = new ArrayList<>(scanned.size());
    List<String> idKeys = new ArrayList<>(scanned.size());
    for (T record : scanned) {
      ID id = descriptor.idOf(record);
      ids.add(id);
      idKeys.add(descriptor.idKey(id));
    }
    return coordination.move(idKeys, () -> {
      List<T> latest = health.call(sourceIndex, source, source.primary, Repository::findAllById, ids);
      Map<Integer, List<T>> byHome = new TreeMap<>();
      for (T record : latest) {
        int newIndex = router.indexOf(target, record);
        if (target.get(newIndex) != source) {
          byHome.computeIfAbsent(newIndex, i -> new ArrayList<>()).add(record);
        }
      }
      List<ID> verified = new ArrayList<>(latest.size());
      for (Map.Entry<Integer, List<T>> entry : byHome.entrySet()) {
        verified.addAll(copyAndVerify(entry.getKey(), target.get(entry.getKey()), entry.getValue()));
      }
      if (!verified.isEmpty()) {
        health.call(sourceIndex, source, source.primary, Repository::deleteAllById, verified);
        if (movedRecords != null) {
          movedRecords.increment(verified.size());
        }
      }
      return verified.size();
    });
  }

  /** Inserts records into their new shard and returns their ids once each reads back at its version or later. */
  private List<ID> copyAndVerify(int newIndex, Shard<ID, T> home, List<T> records) {
    List<ID> recordIds = new ArrayList<>(records.size());
    for (T record : records) {
      recordIds.add(descriptor.idOf(record));
    }
    health.call(newIndex, home, home.primary, Repository::insertAllIfAbsent, records);
    Map<String, Long> copies = new HashMap<>();
    for (T copy : health.call(newIndex, home, home.primary, Repository::findAllById, recordIds)) {
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
    return recordIds;
  }
}
