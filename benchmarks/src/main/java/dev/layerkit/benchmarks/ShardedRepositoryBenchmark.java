package dev.layerkit.benchmarks;

import dev.layerkit.benchmarks.state.KeyCursor;
import dev.layerkit.benchmarks.state.StoreOrder;
import dev.layerkit.core.hash.Hashing;
import dev.layerkit.core.hash.JumpHash;
import dev.layerkit.store.InMemoryRepository;
import dev.layerkit.store.Repository;
import dev.layerkit.store.ShardedRepository;
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
 * {@link InMemoryRepository} holding the same {@value #RECORDS} orders (the anchor): the cost of
 * routing (hash the id, jump hash, an optimistic topology stamp). {@code routeOnly} is the shard
 * lookup alone, which must not allocate.
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

  /** One in-memory repository and a sharded one over 4, holding the same orders. */
  @State(Scope.Benchmark)
  public static class Stores {
    String[] ids;
    InMemoryRepository<String, StoreOrder> single;
    ShardedRepository<String, StoreOrder> sharded;

    /** Fills both. */
    @Setup
    public void fill() {
      single = InMemoryRepository.create("single", StoreOrder.DESCRIPTOR);
      List<Repository<String, StoreOrder>> shards = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        shards.add(InMemoryRepository.create("shard-" + i, StoreOrder.DESCRIPTOR));
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

    /** Stops the sharded repository's executor. */
    @TearDown
    public void close() {
      sharded.close();
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
  public Optional<StoreOrder> inMemoryFindById(Stores stores, KeyCursor cursor) {
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
  public Optional<StoreOrder> shardedFindById(Stores stores, KeyCursor cursor) {
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
  public int routeOnly(Stores stores, KeyCursor cursor) {
    return JumpHash.bucket(Hashing.hash(cursor.next(stores.ids)), 4);
  }
}
