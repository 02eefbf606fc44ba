package dev.layerkit.store;

import static dev.layerkit.store.RebalanceAssertions.assertEachStoredOnceWhereItBelongs;
import static dev.layerkit.store.RebalanceAssertions.rebalanceKilledAfter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.hash.Hashing;
import dev.layerkit.core.hash.JumpHash;
import dev.layerkit.store.sharding.RebalanceProgress;
import dev.layerkit.store.sharding.ShardMap;
import dev.layerkit.store.sharding.ShardMapStore;
import dev.layerkit.store.sharding.ShardMapStores;
import dev.layerkit.store.sharding.ShardedRepository;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Rebalancing while other instances write, on in-memory shards shared by several
 * {@link ShardedRepository} instances and an in-memory {@link ShardMapStore}: the fast variant of
 * {@code jdbc.ShardedJdbcOnlineRebalanceIT}.
 */
class ShardedRepositoryOnlineRebalanceTest {

  private final ShardMapStore maps = ShardMapStores.inMemory().build();
  private final Map<String, InMemoryRepository<String, TestOrder>> tables = new LinkedHashMap<>();
  private final List<ShardedRepository<String, TestOrder>> opened = new ArrayList<>();
  private Map<String, Repository<String, TestOrder>> resolverOverride = Map.of();
  private volatile ShardedRepository<String, TestOrder> b;

  ShardedRepositoryOnlineRebalanceTest() {
    for (int i = 0; i < 5; i++) {
      tables.put("orders_" + i, InMemoryRepository.create("orders_" + i, TestOrder.DESCRIPTOR));
    }
  }

  @AfterEach
  void close() {
    opened.forEach(ShardedRepository::close);
  }

  private List<InMemoryRepository<String, TestOrder>> shards(int n) {
    return new ArrayList<>(tables.values()).subList(0, n);
  }

  /** An instance as another process would make it: its own repository object, the shared map. */
  private ShardedRepository<String, TestOrder> instance(int batchSize) {
    ShardedRepository<String, TestOrder> repository = ShardedRepository.builder(shards(4))
        .name("orders")
        .shardMap(maps, name -> resolverOverride.getOrDefault(name, tables.get(name)))
        .shardMapMaxAge(Duration.ofHours(1))
        .rebalanceBatchSize(batchSize)
        .build();
    opened.add(repository);
    return repository;
  }

  @Test
  void threeInstancesWritingThroughAFourToFiveRebalanceLoseAndDuplicateNoAcknowledgedWrite() throws Exception {
    List<ShardedRepository<String, TestOrder>> instances = List.of(instance(50), instance(50), instance(50));

    ConcurrentRebalanceHistory.Result result = ConcurrentRebalanceHistory.run(instances, shards(5), 20_000, 3);

    assertThat(result.duringRebalance.get()).as("writes raced the move (%s)", result).isPositive();
    assertThat(result.report.moved()).isPositive();
    for (ShardedRepository<String, TestOrder> instance : instances) {
      assertThat(instance.shardCount()).as("every instance ends on the new map").isEqualTo(5);
      assertThat(instance.shardMapVersion()).isEqualTo(3);
    }
    assertThat(maps.load("orders")).contains(new ShardMap("orders", 3, List.copyOf(tables.keySet()), null));
  }

  /**
   * Instance b has not seen the rebalance that a started, and creates a record whose old shard
   * the mover has already scanned: routed by b's map it would be left behind there, invisible
   * after the switch. The fence rejects it, b adopts the new map and writes it on its new shard.
   */
  @Test
  void aWriteRoutedByAStaleMapIsFencedOffAndRoutedAgainOnTheNewMap() {
    ShardedRepository<String, TestOrder> a = instance(10);
    ShardedRepository<String, TestOrder> b = instance(10);
    for (int i = 0; i < 200; i++) {
      a.save(TestOrder.of("o-" + i, "c-1", i, "NEW"));
    }
    String lateId = idMovingFrom(0, 4, "late-");
    long firstShard = tables.get("orders_0").size();
    AtomicLong versionBeforeWrite = new AtomicLong(-1);
    a.rebalance(shards(5), (moved, examined, total) -> {
      if (examined > firstShard && versionBeforeWrite.get() < 0) { // orders_0 is scanned
        versionBeforeWrite.set(b.shardMapVersion());
        b.save(TestOrder.of(lateId, "c-1", 1, "NEW"));
      }
    });

    assertThat(versionBeforeWrite.get()).as("b had not seen the rebalance").isEqualTo(1);
    assertThat(tables.get("orders_0").findById(lateId)).as("not left behind on its old shard").isEmpty();
    assertThat(tables.get("orders_4").findById(lateId)).as("written on its new shard").isPresent();
    assertThat(b.findById(lateId)).isPresent();
    assertEachStoredOnceWhereItBelongs(shards(5), 201);
  }

  /**
   * The mover has read a record from its old shard and is copying it when another instance
   * deletes it: the delete waits for the move's key lock and then deletes the copy, so the move
   * cannot bring the record back.
   */
  @Test
  void aDeleteOnAnotherInstanceThatRacesTheMoveOfItsRecordIsNotUndoneByTheMove() throws Exception {
    String id = idWhoseNewShardIs(4, "o-");
    ExecutorService otherProcess = Executors.newSingleThreadExecutor();
    AtomicReference<Future<Boolean>> delete = new AtomicReference<>();
    AtomicBoolean deleteFinishedDuringTheCopy = new AtomicBoolean();
    InMemoryRepository<String, TestOrder> newShard = tables.get("orders_4");
    Repository<String, TestOrder> slowCopy = new FailingRepository<>(newShard) {
      @Override
      public int insertAllIfAbsent(List<? extends TestOrder> entities) {
        if (delete.get() == null && entities.stream().anyMatch(o -> o.id().equals(id))) {
          Future<Boolean> deleted = otherProcess.submit(() -> b.deleteById(id));
          delete.set(deleted);
          try {
            deleted.get(200, TimeUnit.MILLISECONDS);
            deleteFinishedDuringTheCopy.set(true);
          } catch (TimeoutException expected) {
            // the delete waits for this batch's key lock
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
        return super.insertAllIfAbsent(entities);
      }
    };
    resolverOverride = Map.of("orders_4", slowCopy);
    ShardedRepository<String, TestOrder> a = instance(10);
    b = instance(10);
    a.save(TestOrder.of(id, "c-1", 1, "NEW"));
    List<Repository<String, TestOrder>> grown = new ArrayList<>(shards(4));
    grown.add(slowCopy);
    try {
      a.rebalance(grown, RebalanceProgress.none());
      assertThat(delete.get()).as("the delete raced the copy").isNotNull();
      assertThat(delete.get().get(10, TimeUnit.SECONDS)).as("the delete found the record").isTrue();
    } finally {
      otherProcess.shutdownNow();
    }
    assertThat(deleteFinishedDuringTheCopy).as("the delete waited for the move").isFalse();
    assertThat(newShard.findById(id)).as("not resurrected on its new shard").isEmpty();
    assertThat(a.findById(id)).isEmpty();
  }

  @Test
  void aReadOnAnInstanceWithAnOldMapFindsARecordThatMoved() {
    ShardedRepository<String, TestOrder> a = instance(10);
    ShardedRepository<String, TestOrder> b = instance(10);
    String id = idWhoseNewShardIs(4, "o-");
    a.save(TestOrder.of(id, "c-1", 1, "NEW"));
    a.rebalance(shards(5), RebalanceProgress.none());

    assertThat(b.shardMapVersion()).as("b has not looked at the map since").isEqualTo(1);
    assertThat(b.findById(id)).as("the miss on the old shard makes b fetch the map").isPresent();
    assertThat(b.shardMapVersion()).isEqualTo(3);
  }

  @Test
  void anyInstanceResumesARebalanceWhoseProcessDied() {
    ShardedRepository<String, TestOrder> a = instance(50);
    ShardedRepository<String, TestOrder> b = instance(50);
    for (int i = 0; i < 4_000; i++) {
      a.save(TestOrder.of("o-" + i, "c-" + i % 40, i, "NEW"));
    }
    rebalanceKilledAfter(a, shards(5), 300);
    b.save(TestOrder.of("during", "c-1", 1, "NEW"));
    assertThat(b.isRebalancing()).as("b learned of the half-done rebalance from the map").isTrue();

    assertThatThrownBy(() -> b.rebalance(shards(3), RebalanceProgress.none()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("resume that rebalance");
    b.rebalance(shards(5), RebalanceProgress.none());

    assertEachStoredOnceWhereItBelongs(shards(5), 4_001);
    assertThat(a.findById("during")).isPresent();
    assertThat(a.shardCount()).as("a has not looked at the map since it died").isEqualTo(4);
    a.save(TestOrder.of("after", "c-1", 1, "NEW"));
    assertThat(a.shardCount()).as("its next write was fenced and adopted the new map").isEqualTo(5);
    assertEachStoredOnceWhereItBelongs(shards(5), 4_002);
  }

  @Test
  void aShardMapReplacesRebalancingToAndNeedsDistinctShardNames() {
    assertThatThrownBy(() -> ShardedRepository.builder(shards(4)).shardMap(maps, tables::get)
        .rebalancingTo(shards(5)).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("rebalancingTo is for a repository without");
    InMemoryRepository<String, TestOrder> twin = InMemoryRepository.create("orders_0", TestOrder.DESCRIPTOR);
    assertThatThrownBy(() -> ShardedRepository.builder(List.of(tables.get("orders_0"), twin))
        .shardMap(maps, tables::get).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("two shards are named 'orders_0'");
    assertThatThrownBy(() -> ShardedRepository.builder(shards(4)).name("orders").shardMap(maps, tables::get)
        .shardMap(maps, tables::get))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("shardMap was already set");
  }

  @Test
  void anInstanceWhoseResolverDoesNotKnowAShardOfTheMapFailsToBuildNamingIt() {
    ShardedRepository<String, TestOrder> a = instance(10);
    a.rebalance(shards(5), RebalanceProgress.none());
    assertThatThrownBy(() -> ShardedRepository.builder(shards(4)).name("orders")
        .shardMap(maps, name -> name.equals("orders_4") ? null : tables.get(name)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("names shard 'orders_4', which this instance's shard resolver does not know");
  }

  private static String idMovingFrom(int oldShard, int newShard, String prefix) {
    for (int i = 0; ; i++) {
      String id = prefix + i;
      if (JumpHash.bucket(Hashing.hash(id), 4) == oldShard && JumpHash.bucket(Hashing.hash(id), 5) == newShard) {
        return id;
      }
    }
  }

  private static String idWhoseNewShardIs(int shard, String prefix) {
    for (int i = 0; ; i++) {
      String id = prefix + i;
      if (JumpHash.bucket(Hashing.hash(id), 5) == shard) {
        return id;
      }
    }
  }
}
