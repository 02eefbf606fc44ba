package dev.layerkit.benchmarks;

import dev.layerkit.benchmarks.state.StoreOrder;
import dev.layerkit.core.hash.Hashing;
import dev.layerkit.core.hash.JumpHash;
import dev.layerkit.store.Repositories;
import dev.layerkit.store.Repository;
import dev.layerkit.store.sharding.ShardedRepository;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@code ShardedRepository.findById} over 4 in-memory shards beside {@code findById} on one
 * in-memory repository ({@link Repositories#inMemory}) holding the same {@value #RECORDS} orders
 * (the anchor): the cost of routing (hash the id, jump hash, an optimistic topology stamp).
 * {@code routeOnly} is the shard lookup alone, which must not allocate.
 *
 * <p>Each invocation looks up every id once, in one shuffled order that is the same for all three
 * methods and every fork ({@code Stores.walk}); scores are per lookup
 * ({@link OperationsPerInvocation}). Why shuffled: real lookups come in no particular order, and
 * a walk in insertion order ties each lookup's cache misses to how well the data's place in the
 * heap, which the garbage collector chooses anew in every fork, follows that order (the means of
 * one method's forks differed by up to 1.23x in the 2026-12-06 idle run). Why one batch per
 * invocation: the walk needs no per-call cursor, and timer reads are amortised.
 *
 * <p><b>{@code lookupIds}.</b> {@code sameInstance} looks each id up with the very String stored
 * as the key, so the single repository's map compares it by identity and never reads its bytes,
 * while the route hashes them: an advantage no service has, since its ids come parsed from
 * requests. {@code equalCopy} (the realistic row) looks up an equal String with bytes of its own,
 * made once per fork in walk order, as a service's request ids are fresh memory; both maps then
 * compare bytes, and the route's read of them warms the compare. Both rows are reported: in
 * thread-CPU-time probes (all arms in one JVM, interleaved) the ratio did not narrow with copies
 * (1.07-1.13x with copies against 1.03-1.12x with the same instances, six JVMs each), so identity
 * was not the gap.
 *
 * <p>Run (after {@code ./mvnw -B -q package -pl benchmarks -am -DskipTests}):
 * {@code java -Djmh.ignoreLock=true -jar benchmarks/target/benchmarks.jar '\.ShardedRepositoryBenchmark\.' -f 4 -wi 5 -w 1s -i 8 -r 1s -prof gc -rf json -rff /tmp/store.json},
 * then {@code python3 benchmarks/jmh_table.py /tmp/store.json inMemoryFindById}. Four forks or
 * more: each fork's heap places the data anew, which moves a fork's mean by several percent.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 8, time = 1)
@Fork(4)
public class ShardedRepositoryBenchmark {

  static final int RECORDS = 10_000;

  /** The seed of {@code Stores.walk}'s shuffle: the same order in every fork and method. */
  static final long WALK_SEED = 23;

  /** {@code lookupIds}: each lookup passes an equal String of its own, as a parsed request does. */
  static final String EQUAL_COPY = "equalCopy";

  /** {@code lookupIds}: each lookup passes the very String instance stored as the key. */
  static final String SAME_INSTANCE = "sameInstance";

  /**
   * One in-memory repository and a sharded one over 4, holding the same orders. Only the
   * repository a benchmark method uses is filled ({@link Single} or {@link Sharded}), so that each
   * JMH fork's heap holds one copy of the data: with both copies in one heap, which copy was
   * allocated where changed the ratio by up to 1.7x in either direction in probes.
   *
   * <p>Both are filled the same way: the same orders made in the same order, each written through
   * the repository's own {@code insertIfAbsent} (so the sharded one is warmed with writes as well
   * as reads, as in use), then a full garbage collection ({@code settle}), so that the data
   * starts every fork compacted, without the filling's garbage between records.
   */
  @State(Scope.Benchmark)
  public static class Stores {
    /** The ids, in insertion order. */
    String[] ids;
    /**
     * Which String instances the walk looks up: {@value ShardedRepositoryBenchmark#EQUAL_COPY} or
     * {@value ShardedRepositoryBenchmark#SAME_INSTANCE} (see the class comment).
     */
    @Param({EQUAL_COPY, SAME_INSTANCE})
    public String lookupIds = EQUAL_COPY;
    /** The ids in the shuffled order every invocation looks them up in. */
    String[] walk;
    Repository<String, StoreOrder> single;
    ShardedRepository<String, StoreOrder> sharded;

    /**
     * Fills both, inserting each order into one and then the other (for {@code StoreTimingReport},
     * which needs both in one JVM).
     */
    public void fill() {
      single = Repositories.inMemory(StoreOrder.DESCRIPTOR).name("single").build();
      sharded = newSharded();
      load(order -> single.insertIfAbsent(order) & sharded.insertIfAbsent(order));
    }

    void fillSingle() {
      single = Repositories.inMemory(StoreOrder.DESCRIPTOR).name("single").build();
      load(single::insertIfAbsent);
    }

    void fillSharded() {
      sharded = newSharded();
      load(sharded::insertIfAbsent);
    }

    private static ShardedRepository<String, StoreOrder> newSharded() {
      List<Repository<String, StoreOrder>> shards = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        shards.add(Repositories.inMemory(StoreOrder.DESCRIPTOR).name("shard-" + i).build());
      }
      return ShardedRepository.builder(shards).name("bench").build();
    }

    private void load(Predicate<StoreOrder> insert) {
      ids = new String[RECORDS];
      for (int i = 0; i < RECORDS; i++) {
        StoreOrder order = StoreOrder.number(i);
        ids[i] = order.id();
        if (!insert.test(order)) {
          throw new IllegalStateException("order " + order.id() + " was already there");
        }
      }
      List<String> shuffled = new ArrayList<>(List.of(ids));
      Collections.shuffle(shuffled, new Random(WALK_SEED));
      walk = shuffled.toArray(new String[0]);
      if (lookupIds.equals(EQUAL_COPY)) {
        for (int i = 0; i < walk.length; i++) {
          // new String(String) would share the stored key's bytes: a request's id has its own.
          walk[i] = new String(walk[i].getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
        }
      } else if (!lookupIds.equals(SAME_INSTANCE)) {
        throw new IllegalArgumentException("lookupIds must be " + EQUAL_COPY + " or " + SAME_INSTANCE
            + " but was " + lookupIds);
      }
      settle();
    }

    /** A full collection, which compacts the data and drops the filling's garbage. */
    private static void settle() {
      System.gc();
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
   * The anchor: a lookup in one in-memory repository (a hash lookup and a JSON decode), for each
   * id of the walk.
   *
   * @param stores the repositories
   * @param blackhole takes each order
   */
  @Benchmark
  @OperationsPerInvocation(RECORDS)
  public void inMemoryFindById(Single stores, Blackhole blackhole) {
    Repository<String, StoreOrder> single = stores.single;
    for (String id : stores.walk) {
      blackhole.consume(single.findById(id));
    }
  }

  /**
   * The same lookups routed through the sharded repository.
   *
   * @param stores the repositories
   * @param blackhole takes each order
   */
  @Benchmark
  @OperationsPerInvocation(RECORDS)
  public void shardedFindById(Sharded stores, Blackhole blackhole) {
    ShardedRepository<String, StoreOrder> sharded = stores.sharded;
    for (String id : stores.walk) {
      blackhole.consume(sharded.findById(id));
    }
  }

  /**
   * The shard lookup alone, for each id of the walk: XXH3 of the id and jump hash over 4 shards.
   *
   * @param stores the repositories
   * @param blackhole takes each shard index
   */
  @Benchmark
  @OperationsPerInvocation(RECORDS)
  public void routeOnly(Sharded stores, Blackhole blackhole) {
    for (String id : stores.walk) {
      blackhole.consume(JumpHash.bucket(Hashing.hash(id), 4));
    }
  }
}
