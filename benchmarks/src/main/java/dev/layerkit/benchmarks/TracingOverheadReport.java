package dev.layerkit.benchmarks;

import dev.layerkit.benchmarks.state.BenchTracer;
import dev.layerkit.benchmarks.state.InterleavedRounds;
import dev.layerkit.benchmarks.state.LoopbackGateway;
import dev.layerkit.cache.CacheAside;
import dev.layerkit.cache.Caches;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.EventBuses;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.InMemoryEventBus;
import io.micrometer.observation.ObservationRegistry;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The tracing-overhead benchmarks' three sides timed <em>interleaved</em> in one JVM (issue 20):
 * for the gateway request path, a {@code CacheAside} hit and an in-memory publish, the default
 * no-op registry ({@code off}), a registry without handlers ({@code noHandlers}) and a real tracer
 * ({@code traced}, {@link BenchTracer}), each round timing a batch of each in a shuffled order
 * (see {@link InterleavedRounds} for why, on a shared machine). Same setups as {@link
 * CacheTracingBenchmark}, {@link PublishTracingBenchmark} and {@link GatewayTracingBenchmark}.
 *
 * <p>The report gives each call's median, 10th and 90th percentile over the rounds, and the
 * median (and 10th..90th percentile) over the rounds of its time divided by {@code off}'s time in
 * the same round: a paired ratio, which a load change that hits a whole round cancels out of.
 * One caveat: the three sides share their call sites in one JVM, so the JIT sees both registry
 * classes where an application sees one; that can only slow {@code off}, never flatter the others.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.layerkit.benchmarks.TracingOverheadReport
 * }</pre>
 */
public final class TracingOverheadReport {

  private static final String[] SIDES = {"off", "noHandlers", "traced"};

  private TracingOverheadReport() {}

  /**
   * Runs the three blocks' rounds and prints the table.
   *
   * @param args unused
   * @throws Exception if a setup or a call fails
   */
  public static void main(String[] args) throws Exception {
    PrintStream out = System.out;
    out.println("| block | side | batch | median (ns/op) | p10 | p90 | per-round ratio to off: median (p10..p90) |");
    out.println("|---|---|---|---|---|---|---|");
    try (BenchTracer tracer = new BenchTracer()) {
      ObservationRegistry[] registries = {ObservationRegistry.NOOP, ObservationRegistry.create(), tracer.registry()};
      cache(out, registries);
      publish(out, registries);
      gateway(out, registries);
      if (tracer.exported() == 0) {
        throw new IllegalStateException("the traced side made no spans");
      }
    }
  }

  private static void cache(PrintStream out, ObservationRegistry[] registries) throws Exception {
    String[] keys = CacheAsideBenchmark.keyNames("");
    Function<String, String> loader = CacheAsideBenchmark::valueOf;
    List<CacheAside<String, String>> caches = new ArrayList<>();
    for (ObservationRegistry registry : registries) {
      CacheAside<String, String> cache = CacheAside.builder(Caches.<String, String>inMemory().maximumSize(10_000))
          .ttl(Duration.ofHours(1)).observationRegistry(registry).build();
      for (String key : keys) {
        cache.get(key, loader);
      }
      caches.add(cache);
    }
    int[] next = new int[registries.length];
    InterleavedRounds.Call[] calls = new InterleavedRounds.Call[registries.length];
    for (int i = 0; i < calls.length; i++) {
      int side = i;
      calls[i] = () -> {
        int index = next[side] = next[side] + 1 == keys.length ? 0 : next[side] + 1;
        return caches.get(side).get(keys[index], loader).length();
      };
    }
    System.gc();
    report(out, "CacheAside hit", 100_000, InterleavedRounds.measure(200, 100_000, 20, calls));
  }

  private static void publish(PrintStream out, ObservationRegistry[] registries) throws Exception {
    List<InMemoryEventBus> buses = new ArrayList<>();
    InterleavedRounds.Call[] calls = new InterleavedRounds.Call[registries.length];
    byte[] payload = new byte[100];
    String[] keys = PublishTracingBenchmark.KEYS;
    try {
      for (int i = 0; i < calls.length; i++) {
        InMemoryEventBus bus = EventBuses.inMemory().partitions(1).retention(1_024)
            .observationRegistry(registries[i]).build();
        buses.add(bus);
        EventPublisher<byte[]> publisher = bus.publisher(Codecs.bytes());
        int[] next = {0};
        calls[i] = () -> {
          next[0] = (next[0] + 1) & 3;
          return publisher.publish("bench", keys[next[0]], payload).isDone() ? 1 : 0;
        };
      }
      System.gc();
      report(out, "in-memory publish", 2_000, InterleavedRounds.measure(200, 2_000, 21, calls));
    } finally {
      buses.forEach(InMemoryEventBus::close);
    }
  }

  private static void gateway(PrintStream out, ObservationRegistry[] registries) throws Exception {
    List<LoopbackGateway> loops = new ArrayList<>();
    InterleavedRounds.Call[] calls = new InterleavedRounds.Call[registries.length];
    try {
      for (int i = 0; i < calls.length; i++) {
        ObservationRegistry registry = registries[i];
        LoopbackGateway loop = new LoopbackGateway(builder -> builder.observationRegistry(registry));
        loops.add(loop);
        calls[i] = loop::request;
      }
      System.gc();
      report(out, "gateway GET on loopback", 100, InterleavedRounds.measure(100, 100, 22, calls));
    } finally {
      for (LoopbackGateway loop : loops) {
        loop.close();
      }
    }
  }

  private static void report(PrintStream out, String block, int batch, long[][] samples) {
    for (int side = 0; side < samples.length; side++) {
      long[] p = InterleavedRounds.percentiles(samples[side]);
      double[] ratios = new double[samples[side].length];
      for (int round = 0; round < ratios.length; round++) {
        ratios[round] = (double) samples[side][round] / Math.max(1, samples[0][round]);
      }
      Arrays.sort(ratios);
      int n = ratios.length;
      out.printf("| %s | %s | %,d | %,d | %,d | %,d | %.3f (%.3f..%.3f) |%n", block, SIDES[side], batch, p[1], p[0],
          p[2], ratios[n / 2], ratios[n / 10], ratios[n * 9 / 10]);
    }
  }
}
