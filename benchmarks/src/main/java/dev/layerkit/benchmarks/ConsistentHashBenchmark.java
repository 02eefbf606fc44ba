package dev.layerkit.benchmarks;

import dev.layerkit.benchmarks.state.KeyHashesState;
import dev.layerkit.core.hash.HashRing;
import dev.layerkit.core.hash.JumpHash;
import dev.layerkit.core.hash.MaglevHash;
import dev.layerkit.core.hash.RendezvousHash;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Lookup cost of Layerkit's consistent hashes beside Guava's {@code Hashing.consistentHash} (jump
 * hash), the anchor, at 10, 100 and 1,000 nodes. Every method maps the same pre-hashed key.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ConsistentHashBenchmark -prof gc}
 * (after {@code ./mvnw -B -q package -pl benchmarks -am -DskipTests}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ConsistentHashBenchmark {

  @Param({"10", "100", "1000"})
  int nodes;

  HashRing<String> ring;
  RendezvousHash<String> rendezvous;
  MaglevHash<String> maglev;

  /** Builds each node set once per trial; building is not measured. */
  @Setup
  public void setUp() {
    List<String> names = IntStream.range(0, nodes).mapToObj(i -> "node-" + i).toList();
    ring = HashRing.of(names);
    rendezvous = RendezvousHash.of(names);
    maglev = MaglevHash.of(names);
  }

  /** Anchor: Guava's jump consistent hash. */
  @Benchmark
  public int guavaConsistentHash(KeyHashesState keys) {
    return com.google.common.hash.Hashing.consistentHash(keys.next(), nodes);
  }

  @Benchmark
  public int jumpHash(KeyHashesState keys) {
    return JumpHash.bucket(keys.next(), nodes);
  }

  @Benchmark
  public String hashRing(KeyHashesState keys) {
    return ring.nodeFor(keys.next());
  }

  @Benchmark
  public String rendezvousHash(KeyHashesState keys) {
    return rendezvous.nodeFor(keys.next());
  }

  @Benchmark
  public String maglevHash(KeyHashesState keys) {
    return maglev.nodeFor(keys.next());
  }
}
