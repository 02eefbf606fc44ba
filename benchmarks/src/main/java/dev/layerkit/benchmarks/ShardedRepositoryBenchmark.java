package dev.layerkit.benchmarks;

import dev.layerkit.benchmarks.state.KeyCursor;
import dev.layerkit.benchmarks.state.StoreOrder;
import dev.layerkit.core.hash.Hashing;
import dev.layerkit.core.hash.JumpHash;
import dev.layerkit.store.Repositories;
import dev.layerkit.store.Repository;
import dev.layerkit.store.sharding.ShardedRepository;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code ShardedRepository.findById} over 4 in-memory shards beside {@code findById} on one
 * in-memory repository ({@link Repositories#inMemory}) holding the same {@value #RECORDS} orders
 * (the anchor): the cost of routing (hash the id, jump hash, an optimistic topology stamp).
 * {@code routeOnly} is the shard lookup alone, which must not allocate.
 *
 * <p>Run (after {@code ./mvnw -B -q package -pl benchmarks -am -DskipTests}):
 * {@code java -Djmh.ignoreLock=true -jar benchmarks/target/benchmarks.jar '\.ShardedRepositoryBenchmark\.' -f 1 -wi 3 -i 5 -prof gc -rf json -rff /tmp/store.json},
 * then {@code python3 benchmarks/jmh_table.py /tmp/store.json inMemoryFindById}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ShardedRepositoryBenchmark {

  static final int RECORDS = 10_000;

  /**
   * One in-memory repository and a sharded one over 4, holding the same orders. Only the
   * repository a benchmark method uses is filled ({@link Single} or {@link Sharded}), so that each
   * JMH fork's heap holds one copy of the data: with both copies in one heap, which copy was
   * allocated where changed the ratio by up to 1.7x in either direction in probes.
   */
  @State(Scope.Benchmark)
  public static class Stores {
    String[] ids;
    Repository<String, StoreOrder> single;
    ShardedRepository<String, StoreOrder> sharded;

    /**
     * Fills both, inserting each order into one and then the other (for {@code StoreTimingReport},
     * which needs both in one JVM).
     */
    public void fill() {
      single = Repositories.inMemory(StoreOrder.DESCRIPTOR).name("single").build();
      List<Repository<String, StoreOrder>> shards = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        shards.add(Repositories.inMemory(StoreOrder.DESCRIPTOR).name("shard-" + i).build());
      }
      sharded = ShardedRepository.builder(shards).name("bench").build();
      ids = new String[RECORDS];
      for (int i = 0; i < RECORDS; i++) {
        StoreOrder order = StoreOrder.number(i);
        ids[i] = order.id();
        single.insertIfAbsent(order);
        sharded.insertIfAbsent(order);
      }
    }

    void fillSingle() {
      single = Repositories.inMemory(StoreOrder.DESCRIPTOR).name("single").build();
      ids = new String[RECORDS];
      for (int i = 0; i < RECORDS; i++) {
        StoreOrder order = StoreOrder.number(i);
        ids[i] = order.id();
        single.insertIfAbsent(order);
      }
    }

    void fillSharded() {
      List<Repository<String, StoreOrder>> shards = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        shards.add(Repositories.inMemory(StoreOrder.DESCRIPTOR).name("shard-" + i).build());
      }
      sharded = ShardedRepository.builder(shards).name("bench").build();
      boolean haveIds = ids != null;
      if (!haveIds) {
        ids = new String[RECORDS];
      }
      for (int i = 0; i < RECORDS; i++) {
        StoreOrder order = StoreOrder.number(i);
        if (!haveIds) {
          ids[i] = order.id();
        }
        sharded.insertIfAbsent(order);
      }
    }

    /** Stops the sharded repository's executor. */
    public void close() {
      if (sharded != null) {
        sharded.close();
      }
    }
  }

  /** The anchor's data alone. */
  @State(Scope.Benchmark)
  public static class Single extends Stores {
    /** Fills the single repository. */
    @Setup
    public void setUp() {
      fillSingle();
    }
  }

  /** The sharded repository's data alone. */
  @State(Scope.Benchmark)
  public static class Sharded extends Stores {
    /** Fills the sharded repository. */
    @Setup
    public void setUp() {
      fillSharded();
    }

    /** Stops the sharded repository's executor. */
    @TearDown
    public void tearDown() {
      close();
    }
  }

  /**
   * The anchor: a lookup in one in-memory repository (a hash lookup and a JSON decode).
   *
   * @param stores the repositories
   * @param cursor the key position
   * @return the order
   */
  @Benchmark
  public Optional<StoreOrder> inMemoryFindById(Single stores, KeyCursor cursor) {
    return stores.single.findById(cursor.next(stores.ids));
  }

  /**
   * The same lookup routed through the sharded repository.
   *
   * @param stores the repositories
   * @param cursor the key position
   * @return the order
   */
  @Benchmark
  public Optional<StoreOrder> shardedFindById(Sharded stores, KeyCursor cursor) {
    return stores.sharded.findById(cursor.next(stores.ids));
  }

  /**
   * The shard lookup alone: XXH3 of the id and jump hash over 4 shards.
   *
   * @param stores the repositories
   * @param cursor the key position
   * @return the shard index
   */
  @Benchmark
  public int routeOnly(Sharded stores, KeyCursor cursor) {
    return JumpHash.bucket(Hashing.hash(cursor.next(stores.ids)), 4);
  }
}
