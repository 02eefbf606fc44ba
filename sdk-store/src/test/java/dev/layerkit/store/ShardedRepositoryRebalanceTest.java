package dev.layerkit.store;

import static dev.layerkit.store.RebalanceAssertions.assertEachStoredOnceWhereItBelongs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.store.sharding.PartialResult;
import dev.layerkit.store.sharding.RebalanceProgress;
import dev.layerkit.store.sharding.RebalanceReport;
import dev.layerkit.store.sharding.ShardedRepository;
import dev.layerkit.store.sharding.ShardedRepositoryBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ShardedRepository#rebalance} on in-memory shards: what moves, reads and writes during the
 * move, and resuming after a kill.
 */
class ShardedRepositoryRebalanceTest {

  private final List<ShardedRepository<String, TestOrder>> opened = new ArrayList<>();

  @AfterEach
  void close() {
    opened.forEach(ShardedRepository::close);
  }

  private static <R extends Repository<String, TestOrder>> List<R> shards(int n, Function<String, R> make) {
    List<R> shards = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      shards.add(make.apply("shard-" + i));
    }
    return shards;
  }

  private static InMemoryRepository<String, TestOrder> memory(String name) {
    return InMemoryRepository.create(name, TestOrder.DESCRIPTOR);
  }

  private ShardedRepository<String, TestOrder> open(ShardedRepositoryBuilder<String, TestOrder> builder) {
    ShardedRepository<String, TestOrder> repository = builder.build();
    opened.add(repository);
    return repository;
  }

  private static TestOrder order(int i) {
    return TestOrder.of("o-" + i, "c-" + i % 100, i, "NEW").withVersion(1);
  }

  /** Every id is stored exactly once over all repositories, on the shard jump hash gives it. */
  @Test
  void growingFromFourToFiveShardsWithJumpHashMovesAboutAFifthAndOnlyToTheNewShard() {
    int records = 100_000;
    List<InMemoryRepository<String, TestOrder>> old = shards(4, ShardedRepositoryRebalanceTest::memory);
    ShardedRepository<String, TestOrder> repo = open(ShardedRepository.builder(old));
    for (int i = 0; i < records; i++) {
      repo.insertIfAbsent(order(i));
    }
    List<InMemoryRepository<String, TestOrder>> grown = new ArrayList<>(old);
    grown.add(memory("shard-4"));
    AtomicLong lastMoved = new AtomicLong();
    AtomicLong lastTotal = new AtomicLong();
    RebalanceReport report = repo.rebalance(grown, (moved, examined, total) -> {
      lastMoved.set(moved);
      lastTotal.set(total);
    });

    // Jump hash moves each key to the new shard with probability 1/5: 20,000 expected, binomial
    // standard deviation sqrt(100000 * 0.2 * 0.8) = 126, so the bound of +-1,000 is about 8 sigma.
    assertThat(report.moved()).isBetween(19_000L, 21_000L);
    assertThat(report.examined()).isEqualTo(records);
    assertThat(report.fromShards()).isEqualTo(4);
    assertThat(report.toShards()).isEqualTo(5);
    assertThat(grown.get(4).size()).as("everything moved went to the new shard").isEqualTo((int) report.moved());
    assertThat(lastMoved.get()).isEqualTo(report.moved());
    assertThat(lastTotal.get()).isEqualTo(records);
    assertThat(repo.shardCount()).isEqualTo(5);
    assertThat(repo.isRebalancing()).isFalse();
    assertEachStoredOnceWhereItBelongs(grown, records);
    for (int i = 0; i < records; i += 97) {
      assertThat(repo.findById("o-" + i)).contains(order(i));
    }
    assertThat(repo.count(Filter.all())).isEqualTo(records);
  }

  @Test
  void recordsStayReadableAndWritableDuringTheMove() {
    int records = 2_000;
    List<InMemoryRepository<String, TestOrder>> old = shards(4, ShardedRepositoryRebalanceTest::memory);
    ShardedRepository<String, TestOrder> repo = open(ShardedRepository.builder(old));
    for (int i = 0; i < records; i++) {
      repo.insertIfAbsent(order(i));
    }
    List<InMemoryRepository<String, TestOrder>> grown = new ArrayList<>(old);
    grown.add(memory("shard-4"));
    List<String> checks = new ArrayList<>();
    repo.rebalance(grown, (moved, examined, total) -> {
      if (moved < 150 || !checks.isEmpty()) {
        return;
      }
      checks.add("ran");
      assertThat(repo.isRebalancing()).isTrue();
      assertThat(repo.explain(Filter.all()).rebalancing()).isTrue();
      for (int i = 0; i < records; i++) {
        assertThat(repo.findById("o-" + i)).as("o-" + i + " readable mid-move").isPresent();
      }
      assertThat(repo.count(Filter.all())).as("no record counted twice mid-move").isEqualTo(records);
      try (Stream<TestOrder> all = repo.scan()) {
        assertThat(all.map(TestOrder::id).collect(Collectors.toList())).hasSize(records).doesNotHaveDuplicates();
      }
      assertThat(repo.findAll(Filter.eq("customerId", "c-7"))).hasSize(records / 100);
      // Writes during the move: update every tenth record, add some, delete some.
      for (int i = 0; i < records; i += 10) {
        TestOrder current = repo.findById("o-" + i).orElseThrow();
        repo.save(current.withStatus("UPDATED"));
      }
      for (int i = records; i < records + 50; i++) {
        repo.save(TestOrder.of("o-" + i, "c-1", i, "NEW"));
      }
      for (int i = 1; i < 100; i += 10) {
        assertThat(repo.deleteById("o-" + i)).isTrue();
      }
      assertThat(repo.insertIfAbsent(order(2))).as("o-2 exists in one of the topologies").isFalse();
    });
    assertThat(checks).containsExactly("ran");
    int expected = records + 50 - 10;
    assertEachStoredOnceWhereItBelongs(grown, expected);
    for (int i = 0; i < records; i += 10) {
      TestOrder o = repo.findById("o-" + i).orElseThrow();
      assertThat(o.status()).isEqualTo("UPDATED");
      assertThat(o.version()).isEqualTo(2);
    }
    for (int i = 1; i < 100; i += 10) {
      assertThat(repo.findById("o-" + i)).isEmpty();
    }
    assertThat(repo.count(Filter.eq("status", "UPDATED"))).isEqualTo(records / 10);
  }

  @Test
  void aRebalanceStoppedHalfwayResumesInANewProcessWithoutLossOrDuplicates() {
    int records = 10_000;
    List<InMemoryRepository<String, TestOrder>> old = shards(4, ShardedRepositoryRebalanceTest::memory);
    ShardedRepository<String, TestOrder> first = open(ShardedRepository.builder(old));
    for (int i = 0; i < records; i++) {
      first.insertIfAbsent(order(i));
    }
    List<InMemoryRepository<String, TestOrder>> grown = new ArrayList<>(old);
    grown.add(memory("shard-4"));
    AtomicLong movedWhenKilled = new AtomicLong();
    assertThatThrownBy(() -> first.rebalance(grown, (moved, examined, total) -> {
      if (moved >= 1_000) {
        movedWhenKilled.set(moved);
        throw new IllegalStateException("killed");
      }
    })).hasMessage("killed");
    assertThat(first.isRebalancing()).isTrue();
    assertThat(movedWhenKilled.get()).as("about half of the ~2,000 to move").isBetween(1_000L, 1_300L);
    assertThat(grown.get(4).size()).isEqualTo((int) movedWhenKilled.get());

    // A new process: built over the old shards, told that a rebalance to the grown list was running.
    ShardedRepository<String, TestOrder> restarted = open(ShardedRepository.builder(old).rebalancingTo(grown));
    for (int i = 0; i < records; i++) {
      assertThat(restarted.findById("o-" + i)).as("o-" + i).contains(order(i));
    }
    assertThat(restarted.count(Filter.all())).isEqualTo(records);
    RebalanceReport resumed = restarted.rebalance(grown, RebalanceProgress.none());
    assertThat(resumed.examined()).as("the moved records are not read again").isEqualTo(records - movedWhenKilled.get());
    assertThat(movedWhenKilled.get() + resumed.moved()).isBetween(1_700L, 2_300L);
    assertEachStoredOnceWhereItBelongs(grown, records);
  }

  @Test
  void aProcessKilledBetweenCopyAndDeleteLeavesNoDuplicateAfterResuming() {
    int records = 5_000;
    List<InMemoryRepository<String, TestOrder>> memories = shards(4, ShardedRepositoryRebalanceTest::memory);
    List<FailingRepository<String, TestOrder>> old = new ArrayList<>();
    memories.forEach(m -> old.add(new FailingRepository<>(m)));
    ShardedRepository<String, TestOrder> first = open(ShardedRepository.builder(old));
    for (int i = 0; i < records; i++) {
      first.insertIfAbsent(order(i));
    }
    List<Repository<String, TestOrder>> grown = new ArrayList<>(old);
    InMemoryRepository<String, TestOrder> added = memory("shard-4");
    grown.add(added);
    // Shard 0 dies on its 100th delete: the rest of that batch is on both shard 0 and the new shard.
    old.get(0).failAfterDeletes(99);
    assertThatThrownBy(() -> first.rebalance(grown, RebalanceProgress.none()))
        .isInstanceOf(ShardUnavailableException.class).hasMessageContaining("shard-0");
    int onBoth = 0;
    try (Stream<TestOrder> copies = added.scan()) {
      for (TestOrder o : (Iterable<TestOrder>) copies::iterator) {
        if (memories.get(0).findById(o.id()).isPresent()) {
          onBoth++;
        }
      }
    }
    assertThat(onBoth).as("the kill left records copied but not deleted").isPositive();

    old.get(0).down(false);
    old.get(0).failAfterDeletes(Integer.MAX_VALUE);
    ShardedRepository<String, TestOrder> restarted = open(ShardedRepository.builder(old).rebalancingTo(grown));
    assertThat(restarted.count(Filter.all())).as("counted once while on both").isEqualTo(records);
    restarted.rebalance(grown, RebalanceProgress.none());
    List<Repository<String, TestOrder>> plain = new ArrayList<>(memories);
    plain.add(added);
    assertEachStoredOnceWhereItBelongs(plain, records);
    for (int i = 0; i < records; i++) {
      assertThat(restarted.findById("o-" + i)).as("o-" + i).contains(order(i));
    }
  }

  @Test
  void aSecondRebalanceToOtherShardsWaitsForTheFirstToBeResumed() {
    List<InMemoryRepository<String, TestOrder>> old = shards(2, ShardedRepositoryRebalanceTest::memory);
    ShardedRepository<String, TestOrder> repo = open(ShardedRepository.builder(old));
    for (int i = 0; i < 100; i++) {
      repo.insertIfAbsent(order(i));
    }
    List<InMemoryRepository<String, TestOrder>> three = new ArrayList<>(old);
    three.add(memory("shard-2"));
    assertThatThrownBy(() -> repo.rebalance(three, (moved, examined, total) -> {
      throw new IllegalStateException("stop");
    })).hasMessage("stop");
    List<InMemoryRepository<String, TestOrder>> four = new ArrayList<>(three);
    four.add(memory("shard-3"));
    assertThatThrownBy(() -> repo.rebalance(four, RebalanceProgress.none()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("rebalancing to 3");
    assertThatThrownBy(() -> repo.rebalance(List.of(), RebalanceProgress.none()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("newShards");
    repo.rebalance(three, RebalanceProgress.none());
    assertThat(repo.rebalance(four, RebalanceProgress.none()).toShards()).isEqualTo(4);
    assertEachStoredOnceWhereItBelongs(four, 100);
  }

  @Test
  void shrinkingMovesTheRecordsOfTheRemovedShardAway() {
    List<InMemoryRepository<String, TestOrder>> old = shards(5, ShardedRepositoryRebalanceTest::memory);
    ShardedRepository<String, TestOrder> repo = open(ShardedRepository.builder(old));
    for (int i = 0; i < 1_000; i++) {
      repo.insertIfAbsent(order(i));
    }
    int onLast = old.get(4).size();
    RebalanceReport report = repo.rebalance(old.subList(0, 4), RebalanceProgress.none());
    assertThat(report.moved()).isEqualTo(onLast);
    assertThat(old.get(4).size()).isZero();
    assertEachStoredOnceWhereItBelongs(old.subList(0, 4), 1_000);
  }

  @Test
  void concurrentReadModifyWriteDuringTheMoveLosesNoUpdate() throws Exception {
    int records = 20_000;
    int hot = 64;
    List<InMemoryRepository<String, TestOrder>> old = shards(4, ShardedRepositoryRebalanceTest::memory);
    ShardedRepository<String, TestOrder> repo = open(ShardedRepository.builder(old));
    for (int i = 0; i < records; i++) {
      repo.insertIfAbsent(order(i));
    }
    List<InMemoryRepository<String, TestOrder>> grown = new ArrayList<>(old);
    grown.add(memory("shard-4"));
    AtomicBoolean done = new AtomicBoolean();
    AtomicLongArray successes = new AtomicLongArray(hot);
    ExecutorService writers = Executors.newFixedThreadPool(4);
    CountDownLatch started = new CountDownLatch(4);
    List<Future<?>> futures = new ArrayList<>();
    try {
      for (int w = 0; w < 4; w++) {
        int seed = w;
        futures.add(writers.submit(() -> {
          started.countDown();
          Random random = new Random(seed);
          int rounds = 0;
          while (!done.get() || rounds < 200) {
            rounds++;
            int i = random.nextInt(hot);
            TestOrder current = repo.findById("o-" + i).orElseThrow(() -> new AssertionError("o-" + i + " unreadable"));
            try {
              repo.save(current.incremented());
              successes.incrementAndGet(i);
            } catch (OptimisticLockException conflict) {
              // another writer won this round
            }
          }
          return null;
        }));
      }
      started.await();
      RebalanceReport report = repo.rebalance(grown, RebalanceProgress.none());
      done.set(true);
      for (Future<?> future : futures) {
        future.get(60, TimeUnit.SECONDS);
      }
      assertThat(report.moved()).isPositive();
    } finally {
      writers.shutdownNow();
    }
    for (int i = 0; i < hot; i++) {
      TestOrder o = repo.findById("o-" + i).orElseThrow();
      assertThat(o.counter()).as("o-" + i).isEqualTo(successes.get(i));
      assertThat(o.version()).isEqualTo(1 + successes.get(i));
    }
    assertEachStoredOnceWhereItBelongs(grown, records);
  }

  @Test
  void partialResultsDuringAMoveLeaveOutOnlyTheShardThatIsDown() {
    int records = 1_000;
    List<InMemoryRepository<String, TestOrder>> memories = shards(4, ShardedRepositoryRebalanceTest::memory);
    List<FailingRepository<String, TestOrder>> old = new ArrayList<>();
    memories.forEach(m -> old.add(new FailingRepository<>(m)));
    ShardedRepository<String, TestOrder> first = open(ShardedRepository.builder(old));
    for (int i = 0; i < records; i++) {
      first.insertIfAbsent(order(i));
    }
    List<Repository<String, TestOrder>> grown = new ArrayList<>(old);
    grown.add(memory("shard-4"));
    assertThatThrownBy(() -> first.rebalance(grown, (moved, examined, total) -> {
      throw new IllegalStateException("paused");
    })).hasMessage("paused");
    old.get(1).down(true);
    assertThatThrownBy(() -> first.findAll(Filter.all())).isInstanceOf(ShardUnavailableException.class)
        .hasMessageContaining("shard-1");
    PartialResult<TestOrder> partial = first.findAllAllowingPartial(Filter.all().sortBy("amountCents"));
    assertThat(partial.isPartial()).isTrue();
    assertThat(partial.unavailableShards()).containsExactly(1);
    assertThat(partial.values()).hasSize(records - memories.get(1).size())
        .isSortedAccordingTo(java.util.Comparator.comparingLong(TestOrder::amountCents))
        .extracting(TestOrder::id).doesNotHaveDuplicates();
  }
}
