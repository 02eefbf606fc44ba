package dev.layerkit.benchmarks;

import dev.layerkit.benchmarks.state.OrderEvents;
import dev.layerkit.benchmarks.state.OrderEvents.Order;
import dev.layerkit.benchmarks.state.OrderEvents.Product;
import dev.layerkit.benchmarks.state.OrderEvents.Sale;
import dev.layerkit.events.pipeline.AnalyticsSinks;
import dev.layerkit.events.pipeline.InMemoryAnalyticsSink;
import dev.layerkit.events.pipeline.PipelineEngines;
import dev.layerkit.events.pipeline.SourceRecord;
import dev.layerkit.events.pipeline.flink.FlinkPipelineEngine;
import java.util.DoubleSummaryStatistics;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One batch pipeline over 100,000 order events (decode JSON, filter, join with a 50-row catalog,
 * revenue per product in hourly windows with ten minutes of grace, late and malformed events) on
 * three engines, one job per operation (single-shot time; events/s = 100,000 / seconds per op):
 *
 * <ul>
 *   <li>{@code javaStreams}: the floor a user would write by hand: a sequential stream that
 *       decodes, filters, joins and groups by hour and product into {@link
 *       DoubleSummaryStatistics}; it drops no late events (it has no stream time) and keeps no
 *       checkpoint.</li>
 *   <li>{@code inProcess}: {@code PipelineEngines.inProcess()} into an in-memory sink (its
 *       default checkpoint store, none, so no checkpoint writes).</li>
 *   <li>{@code flink}: {@link FlinkPipelineEngine} in batch mode at parallelism 2, on the local
 *       mini cluster a plain JVM gets (started and stopped by each job, as a one-off job run from
 *       the command line would).</li>
 *   <li>{@code flinkOneEvent}: the same Flink job over one event: the fixed cost of a job
 *       (cluster start, scheduling, stop) to subtract from {@code flink}.</li>
 * </ul>
 *
 * <p>Run (after {@code ./mvnw -B -q package -pl benchmarks -am -DskipTests}): {@code java
 * -Djmh.ignoreLock=true -jar benchmarks/target/benchmarks.jar PipelineEngineBenchmark -prof gc
 * -rf json -rff /tmp/pipeline.json}
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@State(Scope.Benchmark)
public class PipelineEngineBenchmark {

  /** Events per job. */
  public static final int EVENTS = 100_000;

  /** The records, shared by the Flink tasks of this JVM (its factory reads them here). */
  static List<SourceRecord<Order>> records;
  static List<SourceRecord<Order>> oneRecord;
  static InMemoryAnalyticsSink flinkSink;

  private FlinkPipelineEngine flink;

  /** Makes the records and the engine. */
  @Setup(Level.Trial)
  public void setUp() {
    records = OrderEvents.records(EVENTS);
    oneRecord = records.subList(0, 1);
    flink = FlinkPipelineEngine.builder().parallelism(2).build();
  }

  /** A fresh sink for each Flink job. */
  @Setup(Level.Invocation)
  public void freshSink() {
    flinkSink = AnalyticsSinks.inMemory("revenue").build();
  }

  /**
   * The hand-written floor.
   *
   * @return the rows (hour and product)
   */
  @Benchmark
  public int javaStreams() {
    long hour = OrderEvents.HOURLY.sizeMillis();
    Map<Long, Map<String, DoubleSummaryStatistics>> rows = records.stream()
        .map(PipelineEngineBenchmark::decodeOrNull)
        .filter(Objects::nonNull)
        .filter(order -> order.quantity() > 0)
        .map(order -> {
          Product p = OrderEvents.CATALOG.get(order.productId());
          return p == null ? null : new Sale(p.productId(), p.category(),
              order.quantity() * p.price(), order.atMillis());
        })
        .filter(Objects::nonNull)
        .collect(Collectors.groupingBy(sale -> sale.atMillis() - Math.floorMod(sale.atMillis(),
            hour), TreeMap::new, Collectors.groupingBy(Sale::productId, TreeMap::new,
            Collectors.summarizingDouble(Sale::revenue))));
    int n = 0;
    for (Map<String, DoubleSummaryStatistics> byProduct : rows.values()) {
      n += byProduct.size();
    }
    return n;
  }

  private static Order decodeOrNull(SourceRecord<Order> record) {
    try {
      return record.payload();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * The in-process engine.
   *
   * @return the rows written
   */
  @Benchmark
  public long inProcess() {
    InMemoryAnalyticsSink sink = AnalyticsSinks.inMemory("revenue").build();
    return PipelineEngines.inProcess().build()
        .run(OrderEvents.pipeline(OrderEvents.source(records), sink)).windowsEmitted();
  }

  /**
   * The Flink engine on a local mini cluster.
   *
   * @return the rows written
   */
  @Benchmark
  public long flink() {
    return flink.run(() -> OrderEvents.pipeline(OrderEvents.source(records), flinkSink))
        .windowsEmitted();
  }

  /**
   * A one-event Flink job: the fixed cost.
   *
   * @return the rows written
   */
  @Benchmark
  public long flinkOneEvent() {
    return flink.run(() -> OrderEvents.pipeline(OrderEvents.source(oneRecord), flinkSink))
        .windowsEmitted();
  }
}
