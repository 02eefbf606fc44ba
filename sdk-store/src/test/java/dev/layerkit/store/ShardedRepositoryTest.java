package dev.layerkit.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.hash.Hashing;
import dev.layerkit.core.hash.JumpHash;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.store.sharding.PartialResult;
import dev.layerkit.store.sharding.QueryPlan;
import dev.layerkit.store.sharding.ReadConsistency;
import dev.layerkit.store.sharding.RebalanceProgress;
import dev.layerkit.store.sharding.ScatterPolicy;
import dev.layerkit.store.sharding.ShardedRepository;
import dev.layerkit.store.sharding.ShardedRepositoryBuilder;
import dev.layerkit.store.sharding.ShardingStrategies;
import dev.layerkit.store.sharding.ShardingStrategy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link ShardedRepository} over in-memory shards: routing, scatter-gather, failures, replicas. */
class ShardedRepositoryTest {

  private final ManualTimeSource time = new ManualTimeSource();
  private final List<ShardedRepository<String, TestOrder>> opened = new ArrayList<>();

  @AfterEach
  void close() {
    opened.forEach(ShardedRepository::close);
  }

  private static List<InMemoryRepository<String, TestOrder>> memoryShards(int n) {
    List<InMemoryRepository<String, TestOrder>> shards = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      shards.add(InMemoryRepository.create("shard-" + i, TestOrder.DESCRIPTOR));
    }
    return shards;
  }

  private ShardedRepository<String, TestOrder> open(ShardedRepositoryBuilder<String, TestOrder> builder) {
    ShardedRepository<String, TestOrder> repository = builder.timeSource(time).build();
    opened.add(repository);
    return repository;
  }

  @Test
  void eachEntityLivesOnTheShardItsIdHashesToAndIsFoundThere() {
    List<InMemoryRepository<String, TestOrder>> shards = memoryShards(4);
    ShardedRepository<String, TestOrder> repo = open(ShardedRepository.builder(shards));
    for (int i = 0; i < 400; i++) {
      repo.save(TestOrder.of("o-" + i, "c-" + i % 10, i, "NEW"));
    }
    for (int i = 0; i < 400; i++) {
      int expected = JumpHash.bucket(Hashing.hash("o-" + i), 4);
      assertThat(shards.get(expected).findById("o-" + i)).as("o-" + i).isPresent();
      assertThat(repo.findById("o-" + i)).isPresent();
    }
    assertThat(shards).allSatisfy(s -> assertThat(s.size()).as(s.name()).isBetween(60, 140));
    assertThat(shards.stream().mapToInt(InMemoryRepository::size).sum()).isEqualTo(400);
    assertThat(repo.shardCount()).isEqualTo(4);
  }

  /**
   * Where a record lives is stored state (a PostgreSQL shard keeps what was written to it), so the
   * route of an id must never change between releases, whatever its implementation: these
   * placements were computed by the release that introduced this test and are pinned here, for the
   * default strategy (jump hash of XXH3) over 4 and 5 shards and for the other hashing strategies.
   */
  @Test
  void knownIdsAreRoutedToTheShardsTheyAlwaysWereRoutedTo() {
    String fourShards = "3002032212320300";
    String fiveShards = "3002032212320400"; // growing to 5 moves order-13 alone, to the new shard
    for (int count : new int[] {4, 5}) {
      List<InMemoryRepository<String, TestOrder>> shards = memoryShards(count);
      ShardedRepository<String, TestOrder> repo = open(ShardedRepository.builder(shards));
      StringBuilder placed = new StringBuilder();
      for (int i = 0; i < 16; i++) {
        repo.save(TestOrder.of("order-" + i, "c", i, "NEW"));
        for (int shard = 0; shard < count; shard++) {
          if (shards.get(shard).findById("order-" + i).isPresent()) {
            placed.append(shard);
          }
        }
      }
      assertThat(placed.toString()).as("%d shards", count).isEqualTo(count == 4 ? fourShards : fiveShards);
    }
    String[] ids = {"order-9999", "o-42", "c-7", "a", "3f2b8c1e-5d4a-4e6f-9a7b-0c1d2e3f4a5b", "caf\u00e9",
        "\u65e5\u672c\u8a9e", "customer-123456789012345678901234567890"};
    int[] jump = {2, 3, 2, 2, 3, 2, 1, 2};
    int[] modulo = {2, 2, 2, 3, 1, 3, 1, 3};
    int[] ring = {2, 1, 2, 1, 0, 3, 0, 3};
    for (int i = 0; i < ids.length; i++) {
      assertThat(ShardingStrategies.jumpHash().shardFor(ids[i], 4)).as(ids[i]).isEqualTo(jump[i]);
      assertThat(ShardingStrategies.modulo().shardFor(ids[i], 4)).as(ids[i]).isEqualTo(modulo[i]);
      assertThat(ShardingStrategies.ring(160).shardFor(ids[i], 4)).as(ids[i]).isEqualTo(ring[i]);
    }
  }

  @Test
  void explainSaysWhichShardsAFilterTouches() {
    ShardedRepository<String, TestOrder> repo = open(ShardedRepository.builder(memoryShards(4)));
    int shardOfA = JumpHash.bucket(Hashing.hash("a"), 4);
    QueryPlan byId = repo.explain(Filter.eq("id", "a").and(Filter.gt("amountCents", 3)));
    assertThat(byId.scatter()).isFalse();
    assertThat(byId.shards()).containsExactly(shardOfA);
    assertThat(byId.reason()).contains("'id'");
    List<String> ids = List.of("a", "b", "c", "d", "e", "f");
    QueryPlan in = repo.explain(Filter.in("id", ids));
    assertThat(in.shards()).containsExactlyElementsOf(
        ids.stream().map(id -> JumpHash.bucket(Hashing.hash(id), 4)).distinct().sorted().collect(Collectors.toList()));
    QueryPlan range = repo.explain(Filter.gt("amountCents", 3));
    assertThat(range.scatter()).isTrue();
    assertThat(range.shards()).containsExactly(0, 1, 2, 3);
    assertThat(range.reason()).contains("scatter").contains("ALLOW");
    assertThat(range.rebalancing()).isFalse();
  }

  @Test
  void aFieldShardKeyCoLocatesAnAggregateAndRoutesQueriesOnIt() {
    List<InMemoryRepository<String, TestOrder>> shards = memoryShards(4);
    ShardedRepository<String, TestOrder> repo = open(ShardedRepository.builder(shards)
        .shardKey("customerId", TestOrder::customerId).scatterPolicy(ScatterPolicy.REJECT));
    for (int i = 0; i < 40; i++) {
      repo.save(TestOrder.of("o-" + i, "c-" + i % 4, i, "NEW"));
    }
    int home = JumpHash.bucket(Hashing.hash("c-1"), 4);
    assertThat(shards.get(home).count(Filter.eq("customerId", "c-1"))).isEqualTo(10);
    assertThat(repo.explain(Filter.eq("customerId", "c-1")).shards()).containsExactly(home);
    assertThat(repo.findAll(Filter.eq("customerId", "c-1").sortBy("amountCents"))).hasSize(10)
        .isSortedAccordingTo(Comparator.comparingLong(TestOrder::amountCents));
    assertThat(repo.findById("o-5")).as("findById asks every shard").isPresent();
    assertThat(repo.deleteById("o-5")).isTrue();
    assertThat(repo.findById("o-5")).isEmpty();
    assertThatThrownBy(() -> repo.findAll(Filter.eq("id", "o-1"))).as("the id is not the shard key here")
        .isInstanceOf(ScatterQueryRejectedException.class);
  }

  @Test
  void theScatterPolicyRejectsOrCountsQueriesWithoutTheShardKey() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ShardedRepository<String, TestOrder> rejecting = open(ShardedRepository.builder(memoryShards(4))
        .name("strict").scatterPolicy(ScatterPolicy.REJECT));
    rejecting.save(TestOrder.of("o-1", "c-1", 5, "NEW"));
    assertThatThrownBy(() -> rejecting.findAll(Filter.gt("amountCents", 1)))
        .isInstanceOf(ScatterQueryRejectedException.class).hasMessageContaining("strict").hasMessageContaining("'id'")
        .hasMessageContaining("amountCents");
    assertThatThrownBy(() -> rejecting.count(Filter.all())).isInstanceOf(ScatterQueryRejectedException.class);
    assertThat(rejecting.findAll(Filter.eq("id", "o-1"))).hasSize(1);
    assertThat(rejecting.count(Filter.in("id", List.of("o-1", "o-2")))).isEqualTo(1);

    ShardedRepository<String, TestOrder> logging = open(ShardedRepository.builder(memoryShards(4))
        .name("logged").scatterPolicy(ScatterPolicy.LOG).meterRegistry(registry));
    logging.save(TestOrder.of("o-1", "c-1", 5, "NEW"));
    assertThat(logging.findAll(Filter.gt("amountCents", 1))).hasSize(1);
    assertThat(logging.findAll(Filter.eq("id", "o-1"))).hasSize(1);
    assertThat(registry.get("layerkit.store.scatter.queries").tag("name", "logged").counter().count()).isEqualTo(1);
  }

  @Test
  void sortedScatterQueriesMergeInOrderAndHonourTheLimit() {
    ShardedRepository<String, TestOrder> repo = open(ShardedRepository.builder(memoryShards(4)).parallelism(2));
    InMemoryRepository<String, TestOrder> single = InMemoryRepository.create("single", TestOrder.DESCRIPTOR);
    Random random = new Random(42);
    for (int i = 0; i < 500; i++) {
      TestOrder order = TestOrder.of("o-" + i, "c-" + random.nextInt(20), random.nextInt(100), i % 3 == 0 ? "PAID" : "NEW");
      repo.save(order);
      single.save(order);
    }
    for (Filter filter : List.of(Filter.all().sortBy("amountCents").limit(25),
        Filter.eq("status", "PAID").sortByDescending("amountCents").sortBy("customerId").limit(40),
        Filter.gte("amountCents", 50).sortBy("customerId"))) {
      assertThat(repo.findAll(filter)).as(filter.toString()).containsExactlyElementsOf(single.findAll(filter));
    }
    assertThat(repo.findAll(Filter.all().limit(7))).hasSize(7);
    assertThat(repo.count(Filter.eq("status", "PAID"))).isEqualTo(single.count(Filter.eq("status", "PAID")));
  }

  @Test
  void aShardThatIsDownFailsFastNamingItAndScatterQueriesFailUnlessPartialResultsAreAllowed() {
    List<InMemoryRepository<String, TestOrder>> memory = memoryShards(4);
    List<FailingRepository<String, TestOrder>> shards = new ArrayList<>();
    memory.forEach(m -> shards.add(new FailingRepository<>(m)));
    ShardedRepository<String, TestOrder> repo = open(ShardedRepository.builder(shards).name("orders")
        .unavailableFor(Duration.ofSeconds(10)));
    List<String> onShard2 = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      repo.save(TestOrder.of("o-" + i, "c-1", i, "NEW"));
      if (JumpHash.bucket(Hashing.hash("o-" + i), 4) == 2) {
        onShard2.add("o-" + i);
      }
    }
    shards.get(2).down(true);
    assertThatThrownBy(() -> repo.findById(onShard2.get(0)))
        .isInstanceOfSatisfying(ShardUnavailableException.class, e -> {
          assertThat(e.shard()).isEqualTo(2);
          assertThat(e.shardName()).isEqualTo("shard-2");
        })
        .hasMessageContaining("shard 2 (shard-2)").hasMessageContaining("connection refused");
    int callsWhenMarked = shards.get(2).calls();
    assertThatThrownBy(() -> repo.save(TestOrder.of(onShard2.get(1), "c-1", 1, "NEW")))
        .isInstanceOf(ShardUnavailableException.class).hasMessageContaining("marked down");
    assertThatThrownBy(() -> repo.findAll(Filter.all())).isInstanceOf(ShardUnavailableException.class);
    assertThat(shards.get(2).calls()).as("fails fast: the shard is not called again").isEqualTo(callsWhenMarked);

    PartialResult<TestOrder> partial = repo.findAllAllowingPartial(Filter.all());
    assertThat(partial.isPartial()).isTrue();
    assertThat(partial.unavailableShards()).containsExactly(2);
    assertThat(partial.values()).hasSize(200 - onShard2.size());
    List<HealthCheck> checks = repo.healthChecks();
    assertThat(checks).extracting(HealthCheck::name).containsExactly("orders-shard-0", "orders-shard-1", "orders-shard-2",
        "orders-shard-3");
    assertThat(checks.get(2).check().status()).isEqualTo(HealthStatus.DOWN);
    assertThat(checks.get(0).check().status()).isEqualTo(HealthStatus.UP);
    assertThat(repo.healthCheck().check().status()).isEqualTo(HealthStatus.DOWN);

    shards.get(2).down(false);
    assertThatThrownBy(() -> repo.findById(onShard2.get(0))).as("still marked down")
        .isInstanceOf(ShardUnavailableException.class);
    time.advance(Duration.ofSeconds(10));
    assertThatThrownBy(() -> repo.findById(onShard2.get(0))).as("the breaker waits strictly longer than unavailableFor")
        .isInstanceOf(ShardUnavailableException.class);
    time.advance(Duration.ofMillis(1));
    assertThat(repo.findById(onShard2.get(0))).as("the trial call closes the breaker").isPresent();
    assertThat(repo.findAllAllowingPartial(Filter.all()).isPartial()).isFalse();
    assertThat(checks.get(2).check().status()).isEqualTo(HealthStatus.UP);
  }

  @Test
  void readsGoToAReplicaExceptWithinTheReadYourWritesWindowOrWhenAsked() {
    InMemoryRepository<String, TestOrder> primary = InMemoryRepository.create("primary", TestOrder.DESCRIPTOR);
    InMemoryRepository<String, TestOrder> replica = InMemoryRepository.create("replica", TestOrder.DESCRIPTOR);
    ShardedRepository<String, TestOrder> repo = open(ShardedRepository.<String, TestOrder>builder()
        .shard(primary, List.of(replica)).readYourWritesWindow(Duration.ofSeconds(2)));
    TestOrder saved = repo.save(TestOrder.of("o-1", "c-1", 5, "NEW"));
    // The replica lags: it has not seen the write.
    assertThat(repo.findById("o-1")).as("within the window: the primary").contains(saved);
    time.advance(Duration.ofSeconds(2));
    assertThat(repo.findById("o-1")).as("after the window: the lagging replica").isEmpty();
    assertThat(repo.findAll(Filter.all())).isEmpty();
    assertThat(repo.findById("o-1", ReadConsistency.READ_YOUR_WRITES)).contains(saved);
    assertThat(repo.findAll(Filter.all(), ReadConsistency.READ_YOUR_WRITES)).containsExactly(saved);
    replica.insertIfAbsent(saved);
    assertThat(repo.findById("o-1")).as("the replica caught up").contains(saved);
  }

  /**
   * A call through a closed breaker records only what can change it: a failure, or a success
   * slower than the breaker's slow-call threshold (Resilience4j's 60 s), which with a window of one
   * call marks the shard down as a failure does.
   */
  @Test
  void aShardCallSlowerThanTheBreakersSlowCallThresholdMarksTheShardDown() {
    FailingRepository<String, TestOrder> shard = new FailingRepository<>(
        InMemoryRepository.create("shard-0", TestOrder.DESCRIPTOR));
    ShardedRepository<String, TestOrder> repo = open(ShardedRepository.builder(List.of(shard)).name("orders")
        .unavailableFor(Duration.ofSeconds(10)));
    repo.save(TestOrder.of("o-1", "c-1", 5, "NEW"));
    shard.beforeEachCall(() -> time.advance(Duration.ofSeconds(59)));
    assertThat(repo.findById("o-1")).isPresent();
    assertThat(repo.findById("o-1")).as("calls under the threshold leave the shard up").isPresent();
    shard.beforeEachCall(() -> time.advance(Duration.ofSeconds(61)));
    assertThat(repo.findById("o-1")).as("the slow call itself answers").isPresent();
    shard.beforeEachCall(() -> { });
    int calls = shard.calls();
    assertThatThrownBy(() -> repo.findById("o-1")).isInstanceOf(ShardUnavailableException.class)
        .hasMessageContaining("marked down");
    assertThat(shard.calls()).as("fails fast: the shard is not called").isEqualTo(calls);
  }

  /**
   * {@code findById} has its own path to the shard (ShardHealth.findById, for the JIT); these pin
   * that it treats outcomes as every other shard call does: a caller error passes unchanged and
   * leaves the shard up, a server failure or an {@link Error} marks it down.
   */
  @Test
  void aCallerErrorFromAShardsFindByIdIsThrownUnchangedAndLeavesTheShardUp() {
    FailingRepository<String, TestOrder> shard = new FailingRepository<>(
        InMemoryRepository.create("shard-0", TestOrder.DESCRIPTOR));
    ShardedRepository<String, TestOrder> repo = open(ShardedRepository.builder(List.of(shard)).name("orders")
        .unavailableFor(Duration.ofSeconds(10)));
    repo.save(TestOrder.of("o-1", "c-1", 5, "NEW"));
    IllegalArgumentException badId = new IllegalArgumentException("bad id");
    shard.beforeEachCall(() -> {
      throw badId;
    });
    assertThatThrownBy(() -> repo.findById("o-1")).isSameAs(badId);
    shard.beforeEachCall(() -> { });
    assertThat(repo.findById("o-1")).as("the shard answered, so it is not marked down").isPresent();
    assertThat(repo.healthChecks().get(0).check().status()).isEqualTo(HealthStatus.UP);
  }

  @Test
  void anErrorFromAShardsFindByIdIsThrownUnchangedAndMarksTheShardDown() {
    FailingRepository<String, TestOrder> shard = new FailingRepository<>(
        InMemoryRepository.create("shard-0", TestOrder.DESCRIPTOR));
    ShardedRepository<String, TestOrder> repo = open(ShardedRepository.builder(List.of(shard)).name("orders")
        .unavailableFor(Duration.ofSeconds(10)));
    repo.save(TestOrder.of("o-1", "c-1", 5, "NEW"));
    StackOverflowError error = new StackOverflowError("deep");
    shard.beforeEachCall(() -> {
      throw error;
    });
    assertThatThrownBy(() -> repo.findById("o-1")).isSameAs(error);
    shard.beforeEachCall(() -> { });
    int calls = shard.calls();
    assertThatThrownBy(() -> repo.findById("o-1")).isInstanceOf(ShardUnavailableException.class)
        .hasMessageContaining("marked down");
    assertThat(shard.calls()).as("fails fast: the shard is not called").isEqualTo(calls);
    time.advance(Duration.ofSeconds(10).plusMillis(1));
    assertThat(repo.findById("o-1")).as("the trial call closes the breaker").isPresent();
  }

  @Test
  void withMetersAFailedFindByIdIsCountedAndMarksTheShardDown() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    FailingRepository<String, TestOrder> shard = new FailingRepository<>(
        InMemoryRepository.create("shard-0", TestOrder.DESCRIPTOR));
    ShardedRepository<String, TestOrder> repo = open(ShardedRepository.builder(List.of(shard)).name("orders")
        .unavailableFor(Duration.ofSeconds(10)).meterRegistry(registry));
    repo.save(TestOrder.of("o-1", "c-1", 5, "NEW"));
    assertThat(repo.findById("o-1")).isPresent();
    shard.down(true);
    assertThatThrownBy(() -> repo.findById("o-1")).isInstanceOf(ShardUnavailableException.class)
        .hasMessageContaining("connection refused");
    assertThat(registry.get("layerkit.store.shard.failures").tag("name", "orders").counter().count()).isEqualTo(1);
    assertThat(registry.get("layerkit.resilience.circuitbreaker.state").tag("name", "orders-shard-0")
        .tag("state", "open").gauge().value()).isEqualTo(1);
  }

  /**
   * Reads interleaved with every kind of write, so that the shard calls of all operations go
   * through one JVM's profile, still find each record on its shard.
   */
  @Test
  void readsMixedWithSavesInsertsAndDeletesFindEachRecordOnItsShard() {
    List<InMemoryRepository<String, TestOrder>> shards = memoryShards(4);
    ShardedRepository<String, TestOrder> repo = open(ShardedRepository.builder(shards));
    for (int i = 0; i < 2_000; i++) {
      String id = "o-" + i;
      assertThat(repo.insertIfAbsent(TestOrder.of(id, "c-1", i, "NEW"))).isTrue();
      TestOrder found = repo.findById(id).orElseThrow();
      TestOrder saved = repo.save(found.withStatus("PAID"));
      assertThat(repo.findById(id)).contains(saved);
      int home = JumpHash.bucket(Hashing.hash(id), 4);
      assertThat(shards.get(home).findById(id)).as(id).contains(saved);
      if (i % 2 == 0) {
        assertThat(repo.deleteById(id)).isTrue();
        assertThat(repo.findById(id)).isEmpty();
      }
    }
    assertThat(repo.count(Filter.all())).isEqualTo(1_000);
  }

  @Test
  void aFailingReplicaReadFallsBackToThePrimary() {
    InMemoryRepository<String, TestOrder> primary = InMemoryRepository.create("primary", TestOrder.DESCRIPTOR);
    FailingRepository<String, TestOrder> replica = new FailingRepository<>(InMemoryRepository.create("replica",
        TestOrder.DESCRIPTOR));
    replica.down(true);
    ShardedRepository<String, TestOrder> repo = open(ShardedRepository.<String, TestOrder>builder()
        .shard(primary, List.of(replica)).readYourWritesWindow(Duration.ZERO));
    primary.save(TestOrder.of("o-1", "c-1", 5, "NEW"));
    assertThat(repo.findById("o-1")).isPresent();
    assertThat(replica.calls()).isEqualTo(1);
    assertThat(repo.healthChecks().get(0).check().status()).isEqualTo(HealthStatus.DEGRADED);
  }

  @Test
  void everyStrategySpreadsKeysOverAllShardsAndRangeFollowsItsSplitPoints() {
    for (ShardingStrategy strategy : List.of(ShardingStrategies.jumpHash(), ShardingStrategies.ring(160),
        ShardingStrategies.modulo())) {
      int[] counts = new int[4];
      for (int i = 0; i < 20_000; i++) {
        counts[strategy.shardFor("key-" + i, 4)]++;
      }
      for (int count : counts) {
        assertThat(count).as(strategy + " load").isBetween(3_500, 6_500);
      }
    }
    ShardingStrategy range = ShardingStrategies.range("g", "n", "t");
    assertThat(range.shardFor("apple", 4)).isZero();
    assertThat(range.shardFor("g", 4)).isEqualTo(1);
    assertThat(range.shardFor("melon", 4)).isEqualTo(1);
    assertThat(range.shardFor("pear", 4)).isEqualTo(2);
    assertThat(range.shardFor("zucchini", 4)).isEqualTo(3);
    assertThatThrownBy(() -> ShardedRepository.builder(memoryShards(3)).strategy(range).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shardCount must be 4").hasMessageContaining("3");
    assertThatThrownBy(() -> ShardingStrategies.range("b", "a")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ShardingStrategies.ring(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("virtualNodes").hasMessageContaining("0");
  }

  @Test
  void theBuilderRejectsBadSettingsNamingThem() {
    InMemoryRepository<String, TestOrder> a = InMemoryRepository.create("a", TestOrder.DESCRIPTOR);
    assertThatThrownBy(() -> ShardedRepository.<String, TestOrder>builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("shard");
    assertThatThrownBy(() -> ShardedRepository.builder(List.of(a, a)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a");
    EntityDescriptor<String, TestOrder> other = EntityDescriptor.builder(TestOrder.class, TestOrder::id)
        .version(TestOrder::version, TestOrder::withVersion).build();
    assertThatThrownBy(() -> ShardedRepository.builder(List.of(a, InMemoryRepository.create("b", other))).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("descriptor");
    assertThatThrownBy(() -> ShardedRepository.builder(List.of(a)).readYourWritesWindow(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("readYourWritesWindow").hasMessageContaining("-1");
    assertThatThrownBy(() -> ShardedRepository.builder(List.of(a)).parallelism(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("parallelism");
    assertThatThrownBy(() -> ShardedRepository.builder(List.of(a)).shardKey("a.b", TestOrder::customerId))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a.b");
    assertThatThrownBy(() -> ShardedRepository.builder(List.of(a)).strategy(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("strategy");
  }

  @Test
  void anEmptyShardListIsAnIllegalArgumentNamingTheValueWhereverItIsPassed() {
    InMemoryRepository<String, TestOrder> a = InMemoryRepository.create("a", TestOrder.DESCRIPTOR);
    assertThatThrownBy(() -> Repositories.sharded(List.<Repository<String, TestOrder>>of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shards").hasMessageContaining("[]");
    assertThatThrownBy(() -> ShardedRepository.builder(List.of(a)).rebalancingTo(List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("newShards").hasMessageContaining("[]");
    ShardedRepository<String, TestOrder> repo = open(ShardedRepository.builder(List.of(a)));
    assertThatThrownBy(() -> repo.rebalance(List.of(), RebalanceProgress.none()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("newShards").hasMessageContaining("[]");
    assertThatThrownBy(() -> ShardedRepository.<String, TestOrder>builder().build())
        .as("no list was passed: a missing setting").isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no shard was added");
  }

  @Test
  void aSettingGivenTwiceThrowsNamingItsFirstValue() {
    ShardedRepositoryBuilder<String, TestOrder> builder = ShardedRepository.builder(memoryShards(2))
        .name("orders").unavailableFor(Duration.ofSeconds(3));
    assertThatThrownBy(() -> builder.name("again")).isInstanceOf(IllegalStateException.class)
        .hasMessage("name was already set to orders");
    assertThatThrownBy(() -> builder.unavailableFor(Duration.ofSeconds(4))).isInstanceOf(IllegalStateException.class)
        .hasMessage("unavailableFor was already set to PT3S");
    assertThatThrownBy(() -> Repositories.inMemory(TestOrder.DESCRIPTOR).name("a").name("b"))
        .isInstanceOf(IllegalStateException.class).hasMessage("name was already set to a");
    assertThat(Repositories.inMemory(TestOrder.DESCRIPTOR).build().name()).isEqualTo(Repositories.DEFAULT_IN_MEMORY_NAME);
  }

  @Test
  void eachShardHasACircuitBreakerWhoseMetersAreTaggedWithTheShardsName() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    List<FailingRepository<String, TestOrder>> shards = new ArrayList<>();
    memoryShards(2).forEach(m -> shards.add(new FailingRepository<>(m)));
    ShardedRepository<String, TestOrder> repo = open(ShardedRepository.builder(shards).name("orders")
        .unavailableFor(Duration.ofSeconds(10)).meterRegistry(registry));
    shards.get(1).down(true);
    assertThat(repo.findAllAllowingPartial(Filter.all()).unavailableShards()).containsExactly(1);
    // Resilience4j's state gauge: 0 closed, 1 open.
    assertThat(registry.get("layerkit.resilience.circuitbreaker.state").tag("name", "orders-shard-1")
        .tag("state", "open").gauge().value()).isEqualTo(1);
    assertThat(registry.get("layerkit.resilience.circuitbreaker.state").tag("name", "orders-shard-0")
        .tag("state", "closed").gauge().value()).isEqualTo(1);
    assertThat(registry.get("layerkit.store.shard.failures").tag("name", "orders").counter().count()).isEqualTo(1);
    int calls = shards.get(1).calls();
    assertThatThrownBy(() -> repo.count(Filter.all())).isInstanceOf(ShardUnavailableException.class);
    assertThat(shards.get(1).calls()).as("the open breaker answers without calling the shard").isEqualTo(calls);
  }

  @Test
  void anIdleShardIsNoLongerReportedDownOnceItsBreakerWaitIsOver() {
    List<FailingRepository<String, TestOrder>> shards = new ArrayList<>();
    memoryShards(2).forEach(m -> shards.add(new FailingRepository<>(m)));
    ShardedRepository<String, TestOrder> repo = open(ShardedRepository.builder(shards)
        .unavailableFor(Duration.ofSeconds(5)));
    shards.get(0).down(true);
    assertThatThrownBy(() -> repo.count(Filter.all())).isInstanceOf(ShardUnavailableException.class);
    shards.get(0).down(false);
    HealthCheck check = repo.healthChecks().get(0);
    assertThat(check.check().status()).isEqualTo(HealthStatus.DOWN);
    time.advance(Duration.ofSeconds(5).plusMillis(1));
    assertThat(check.check().status()).as("a trial is due: the primary's own check decides").isEqualTo(HealthStatus.UP);
    assertThat(repo.count(Filter.all())).isZero();
  }

  @Test
  void aShardSlowerThanTheScatterTimeoutFailsTheQueryByNameAndIsLeftOutOfPartialResults() throws Exception {
    List<InMemoryRepository<String, TestOrder>> memory = memoryShards(3);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    Repository<String, TestOrder> slow = new FailingRepository<>(memory.get(1)) {
      @Override
      public List<TestOrder> findAll(Filter filter) {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return super.findAll(filter);
      }
    };
    ShardedRepository<String, TestOrder> repo = open(ShardedRepository.<String, TestOrder>builder()
        .shard(memory.get(0)).shard(slow).shard(memory.get(2))
        .scatterTimeout(Duration.ofMillis(200)).unavailableFor(Duration.ofSeconds(30)));
    try {
      for (int i = 0; i < 60; i++) {
        repo.save(TestOrder.of("o-" + i, "c-1", i, "NEW"));
      }
      assertThatThrownBy(() -> repo.findAll(Filter.all()))
          .isInstanceOfSatisfying(ShardUnavailableException.class, e -> assertThat(e.shard()).isEqualTo(1))
          .hasMessageContaining("scatter timeout").hasMessageContaining("PT0.2S");
      PartialResult<TestOrder> partial = repo.findAllAllowingPartial(Filter.all());
      assertThat(partial.unavailableShards()).as("marked down: left out at once").containsExactly(1);
      assertThat(partial.values()).hasSize(memory.get(0).size() + memory.get(2).size());
    } finally {
      release.countDown();
    }
    assertThatThrownBy(() -> ShardedRepository.builder(memoryShards(1)).scatterTimeout(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scatterTimeout");
  }
}
