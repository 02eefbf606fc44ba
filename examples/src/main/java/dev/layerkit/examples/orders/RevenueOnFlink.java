package dev.layerkit.examples.orders;

import dev.layerkit.events.pipeline.cli.PipelineRunner;
import dev.layerkit.events.pipeline.flink.FlinkPipelineEngine;
import dev.layerkit.events.pipeline.flink.PipelineFactory;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The revenue job on Apache Flink ({@code --job=revenue --engine=flink}): {@link
 * RevenueJob#pipeline}, the same definition the in-process engine runs, handed to {@link
 * FlinkPipelineEngine} as a factory that each task calls. The factory carries what it needs, all
 * serializable: the orders' lines read from the store when the job starts (as the in-process job
 * holds them) and where the warehouse is, from which each writing task opens its own sink. Run in
 * a plain JVM, Flink starts a local mini cluster; submitted with {@code flink run}, the job runs
 * on that cluster. A DuckDB warehouse file ({@code --warehouse}) suits the local mini cluster
 * only: on a cluster each machine's writers would write a file of their own; use PostgreSQL there.
 *
 * <p>A class of its own so that {@link RevenueJob} loads without Flink, which the examples' jar
 * leaves out (a Flink cluster brings its own, as Flink's documentation asks).
 */
final class RevenueOnFlink {

  private static final String FLINK_CLASS =
      "org.apache.flink.streaming.api.environment.StreamExecutionEnvironment";

  private RevenueOnFlink() {}

  /** Whether Flink's classes can be loaded. */
  static boolean flinkOnClassPath() {
    try {
      Class.forName(FLINK_CLASS, false, RevenueOnFlink.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /**
   * Runs the job with the runner's progress bar and report.
   *
   * @param runner the command-line runner
   * @param out where the runner prints its report, for the engine's line
   * @param lines the orders' lines
   * @param warehouse where the rows go
   * @return the exit code: 0 done, 1 failed
   */
  static int run(PipelineRunner runner, PrintStream out, List<RevenueJob.OrderLine> lines,
      RevenueJob.Warehouse warehouse) {
    List<RevenueJob.OrderLine> shipped = new ArrayList<>(lines);
    PipelineFactory factory =
        () -> RevenueJob.pipeline(shipped, new Catalog(), warehouse.open());
    // A local mini cluster's task managers report accumulators (the progress) every second.
    Configuration local = new Configuration();
    local.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, Duration.ofSeconds(1));
    AtomicReference<String> where = new AtomicReference<>("");
    int exit = runner.run(RevenueJob.NAME, progress -> {
      where.set(StreamExecutionEnvironment.getExecutionEnvironment()
          instanceof LocalStreamEnvironment ? "a local mini cluster" : "the Flink cluster");
      return FlinkPipelineEngine.builder()
          .configuration(local)
          .progress(progress)
          .progressInterval(Duration.ofMillis(500))
          .build()
          .run(factory);
    });
    if (exit == PipelineRunner.EXIT_OK) {
      out.println("  engine          Apache Flink (" + where.get() + ")");
    }
    return exit;
  }
}
