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
import java.util.concurrent.atomic.AtomicLong;
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
        .shardMap(maps, tables::get)
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

  @Test
  void aWriteRoutedByAStaleMapIsFencedOffAndRoutedAgainOnTheNewMap() {
    ShardedRepository<String, TestOrder> a = instance(10);
    ShardedRepository<String, TestOrder> b = instance(10);
    for (int i = 0; i < 200; i++) {
      a.save(TestOrder.of("o-" + i, "c-1", i, "NEW"));
    }
    String lateId = idWhoseNewShardIs(4, "late-");
    AtomicLong versionBeforeWrite = new AtomicLong(-1);
    a.rebalance(shards(5), (moved, examined, total) -> {
      if (versionBeforeWrite.get() < 0) {
        versionBeforeWrite.set(b.shardMapVersion());
        b.save(TestOrder.of(lateId, "c-1", 1, "NEW")); // b still routes by version 1: 4 shards
      }
    });

    assertThat(versionBeforeWrite.get()).as("b had not seen the rebalance").isEqualTo(1);
    assertThat(tables.get("orders_4").findById(lateId)).as("written on its new shard").isPresent();
    for (int i = 0; i < 4; i++) {
      assertThat(tables.get("orders_" + i).findById(lateId)).as("not left behind on orders_" + i).isEmpty();
    }
    assertThat(b.findById(lateId)).isPresent();
    assertEachStoredOnceWhereItBelongs(shards(5), 201);
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

  private static String idWhoseNewShardIs(int shard, String prefix) {
    for (int i = 0; ; i++) {
      String id = prefix + i;
      if (JumpHash.bucket(Hashing.hash(id), 5) == shard) {
        return id;
      }
    }
  }
}
