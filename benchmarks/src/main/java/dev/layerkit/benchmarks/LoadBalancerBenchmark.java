package dev.layerkit.benchmarks;

import dev.layerkit.benchmarks.state.RequestContextsState;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.LoadBalancer;
import dev.layerkit.gateway.lb.LoadBalancerBuilder;
import dev.layerkit.gateway.lb.LoadBalancers;
import dev.layerkit.gateway.lb.OutlierDetection;
import dev.layerkit.gateway.lb.RequestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One {@code pick} plus its completion feedback ({@code onComplete} with latency and success) for
 * every strategy, at 10, 100 and 1,000 endpoints, beside the anchor a user would hand-write: an
 * {@link AtomicInteger} round robin over an array, which has no feedback, health or weights.
 *
 * <p>The endpoints have weights 1, 2 and 3 in turn, so the weighted strategies take their weighted
 * paths (smooth WRR's precomputed period, random's prefix-sum search, weighted P2C comparisons).
 * Outlier detection is on with its defaults, as in production; every request succeeds, so it costs
 * a read per completion. Consistent hashing routes by prepared, pre-hashed keys.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar LoadBalancerBenchmark -prof gc}
 * (after {@code ./mvnw -B -q package -pl benchmarks -am -DskipTests}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LoadBalancerBenchmark {

  private static final long LATENCY_NANOS = 2_000_000;

  @Param({"10", "100", "1000"})
  int endpoints;

  Endpoint[] array;
  final AtomicInteger next = new AtomicInteger();
  LoadBalancer roundRobin;
  LoadBalancer weightedRoundRobin;
  LoadBalancer random;
  LoadBalancer leastRequest;
  LoadBalancer peakEwma;
  LoadBalancer consistentHash;

  /** Builds every balancer over the same endpoints; building is not measured. */
  @Setup
  public void setUp() {
    List<Endpoint> list = new ArrayList<>(endpoints);
    for (int i = 0; i < endpoints; i++) {
      list.add(Endpoint.of("10.0." + (i / 250) + '.' + (i % 250 + 1), 8080, 1 + i % 3));
    }
    array = list.toArray(new Endpoint[0]);
    roundRobin = build(LoadBalancers.roundRobin(), list);
    weightedRoundRobin = build(LoadBalancers.weightedRoundRobin(), list);
    random = build(LoadBalancers.random(), list);
    leastRequest = build(LoadBalancers.leastRequest(), list);
    peakEwma = build(LoadBalancers.peakEwma(), list);
    consistentHash = build(LoadBalancers.consistentHash(), list);
  }

  private static LoadBalancer build(LoadBalancerBuilder builder, List<Endpoint> list) {
    return builder.serviceName("bench").endpoints(list).outlierDetection(OutlierDetection.ofDefaults()).build();
  }

  /** Closes the balancers. */
  @TearDown
  public void tearDown() {
    for (LoadBalancer lb : List.of(roundRobin, weightedRoundRobin, random, leastRequest, peakEwma,
        consistentHash)) {
      lb.close();
    }
  }

  /** Anchor: the round robin a user would write by hand, with no feedback. */
  @Benchmark
  public Endpoint anchorAtomicRoundRobin() {
    return array[(next.getAndIncrement() & Integer.MAX_VALUE) % array.length];
  }

  @Benchmark
  public Endpoint roundRobin() {
    return pickAndComplete(roundRobin, RequestContext.empty());
  }

  @Benchmark
  public Endpoint weightedRoundRobin() {
    return pickAndComplete(weightedRoundRobin, RequestContext.empty());
  }

  @Benchmark
  public Endpoint random() {
    return pickAndComplete(random, RequestContext.empty());
  }

  @Benchmark
  public Endpoint leastRequest() {
    return pickAndComplete(leastRequest, RequestContext.empty());
  }

  @Benchmark
  public Endpoint peakEwma() {
    return pickAndComplete(peakEwma, RequestContext.empty());
  }

  @Benchmark
  public Endpoint consistentHash(RequestContextsState contexts) {
    return pickAndComplete(consistentHash, contexts.next());
  }

  private static Endpoint pickAndComplete(LoadBalancer lb, RequestContext context) {
    Endpoint endpoint = lb.pick(context);
    lb.onComplete(endpoint, LATENCY_NANOS, true);
    return endpoint;
  }
}
