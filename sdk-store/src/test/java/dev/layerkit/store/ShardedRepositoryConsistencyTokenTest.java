package dev.layerkit.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.store.sharding.ConsistencyToken;
import dev.layerkit.store.sharding.RebalanceProgress;
import dev.layerkit.store.sharding.ShardMapStore;
import dev.layerkit.store.sharding.ShardMapStores;
import dev.layerkit.store.sharding.ShardedRepository;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Read-your-writes across instances with {@link ConsistencyToken}: instance a writes to a shard's
 * primary, instance b reads through a replica that lags (a separate in-memory repository that
 * replication has not caught up with yet).
 */
class ShardedRepositoryConsistencyTokenTest {

  private final InMemoryRepository<String, TestOrder> primary = InMemoryRepository.create("primary", TestOrder.DESCRIPTOR);
  private final InMemoryRepository<String, TestOrder> replica = InMemoryRepository.create("replica", TestOrder.DESCRIPTOR);
  private final FailingRepository<String, TestOrder> countedPrimary = new FailingRepository<>(primary);

  private ShardedRepository<String, TestOrder> instance() {
    return ShardedRepository.<String, TestOrder>builder().shard(countedPrimary, List.of(replica)).build();
  }

  /** What asynchronous replication does, some time later. */
  private void replicate(String id) {
    replica.deleteById(id);
    primary.findById(id).ifPresent(replica::insertIfAbsent);
  }

  @Test
  void aTokenFromOneInstanceMakesAnotherReadPastALaggingReplica() {
    ShardedRepository<String, TestOrder> a = instance();
    ShardedRepository<String, TestOrder> b = instance();
    TestOrder first = a.save(TestOrder.of("o-1", "c-1", 100, "NEW"));
    replicate("o-1");
    TestOrder paid = a.save(first.withStatus("PAID"));

    assertThat(b.findById("o-1")).as("without a token b reads the lagging replica").contains(first);
    assertThat(b.findById("o-1", a.tokenFor(paid))).contains(paid);
  }

  @Test
  void aTokenFindsARecordTheReplicaHasNotSeenAtAll() {
    ShardedRepository<String, TestOrder> a = instance();
    ShardedRepository<String, TestOrder> b = instance();
    TestOrder created = a.save(TestOrder.of("o-2", "c-1", 100, "NEW"));

    assertThat(b.findById("o-2")).as("not replicated yet").isEmpty();
    assertThat(b.findById("o-2", a.tokenFor(created))).contains(created);
  }

  @Test
  void aTokenTravelsAsTextBetweenProcesses() {
    ShardedRepository<String, TestOrder> a = instance();
    ShardedRepository<String, TestOrder> b = instance();
    TestOrder first = a.save(TestOrder.of("o:3", "c-1", 100, "NEW"));
    replicate("o:3");
    TestOrder paid = a.save(first.withStatus("PAID"));
    String header = a.tokenFor(paid).format();

    assertThat(header).isEqualTo("lk1:0:2:o:3");
    assertThat(ConsistencyToken.parse(header)).isEqualTo(new ConsistencyToken("o:3", 2, 0));
    assertThat(b.findById("o:3", ConsistencyToken.parse(header))).contains(paid);
  }

  @Test
  void whenTheReplicaHasCaughtUpATokenReadDoesNotTouchThePrimary() {
    ShardedRepository<String, TestOrder> a = instance();
    ShardedRepository<String, TestOrder> b = instance();
    TestOrder saved = a.save(TestOrder.of("o-4", "c-1", 100, "NEW"));
    replicate("o-4");
    int callsBefore = countedPrimary.calls();

    assertThat(b.findById("o-4", a.tokenFor(saved))).contains(saved);
    assertThat(countedPrimary.calls()).isEqualTo(callsBefore);
  }

  @Test
  void aTokenFromANewerShardMapMakesTheReaderAdoptThatMapFirst() {
    ShardMapStore maps = ShardMapStores.inMemory().build();
    List<InMemoryRepository<String, TestOrder>> shards = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      shards.add(InMemoryRepository.create("s" + i, TestOrder.DESCRIPTOR));
    }
    Map<String, InMemoryRepository<String, TestOrder>> byName = Map.of("s0", shards.get(0), "s1", shards.get(1),
        "s2", shards.get(2), "s3", shards.get(3), "s4", shards.get(4));
    ShardedRepository<String, TestOrder> a = ShardedRepository.builder(shards.subList(0, 4)).name("t")
        .shardMap(maps, byName::get).shardMapMaxAge(Duration.ofHours(1)).build();
    ShardedRepository<String, TestOrder> b = ShardedRepository.builder(shards.subList(0, 4)).name("t")
        .shardMap(maps, byName::get).shardMapMaxAge(Duration.ofHours(1)).build();
    a.rebalance(shards, RebalanceProgress.none());
    TestOrder saved = a.save(TestOrder.of("o-5", "c-1", 100, "NEW"));
    ConsistencyToken token = a.tokenFor(saved);

    assertThat(token.shardMapVersion()).isEqualTo(3);
    assertThat(b.shardMapVersion()).isEqualTo(1);
    assertThat(b.findById("o-5", token)).contains(saved);
    assertThat(b.shardMapVersion()).isEqualTo(3);
  }

  @Test
  void badTokensAreRefusedNamingWhatIsWrong() {
    ShardedRepository<String, TestOrder> a = instance();
    TestOrder saved = a.save(TestOrder.of("o-6", "c-1", 100, "NEW"));
    assertThatThrownBy(() -> a.findById("o-7", a.tokenFor(saved)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("token is for id 'o-6', not 'o-7'");
    for (String text : List.of("", "lk1:", "lk1:1:2", "lk1:x:2:id", "lk1:1:-2:id", "lk1:-1:2:id", "lk2:1:2:id",
        "lk1:1:0:id", "lk1::2:id", "lk1:1::id", "lk1:99999999999999999999:1:id")) {
      assertThatThrownBy(() -> ConsistencyToken.parse(text)).as(text)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + text + "'");
    }
    assertThat(new ConsistencyToken("o", 3, 0).admits(3)).isTrue();
    assertThat(new ConsistencyToken("o", 3, 0).admits(2)).isFalse();
  }
}
