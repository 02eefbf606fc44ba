package dev.layerkit.events.pipeline.flink;

import dev.layerkit.events.pipeline.OrderFixture;
import dev.layerkit.events.pipeline.OrderFixture.Order;
import dev.layerkit.events.pipeline.Pipeline;
import dev.layerkit.events.pipeline.PipelineReport;
import dev.layerkit.events.pipeline.duckdb.DuckDbAnalyticsSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The child JVM of {@link FlinkPipelineKillAndResumeIT}: runs the 100,000-order pipeline on a
 * local Flink mini cluster in streaming mode, checkpointing every 100 ms, into a DuckDB file. With
 * a halt count, once that many orders were transformed it waits for the next completed Flink
 * checkpoint (slowing the source so that checkpoints complete), prints {@code HALTED}, and blocks
 * Flink's transform task, with unflushed rows and uncheckpointed state in memory, to be killed;
 * without, it runs to the end and prints its report.
 */
public final class FlinkPipelineChildProcess {

  static final int EVENTS = 100_000;
  static final Duration CHECKPOINT_EVERY = Duration.ofMillis(100);

  private static final AtomicLong SEEN = new AtomicLong();
  private static final CountDownLatch FOREVER = new CountDownLatch(1);
  private static long haltAt;
  private static Path checkpoints;
  private static Set<Path> checkpointsAtHalt;

  private FlinkPipelineChildProcess() {}

  /**
   * Runs the job.
   *
   * @param args the DuckDB file, the checkpoint directory, and the halt count or -1
   */
  public static void main(String[] args) {
    String file = args[0];
    checkpoints = Path.of(args[1]);
    haltAt = Long.parseLong(args[2]);
    PipelineReport report = FlinkPipelineEngine.builder()
        .parallelism(2)
        .checkpoints(checkpoints, CHECKPOINT_EVERY)
        .build()
        .run(() -> pipeline(file));
    System.out.println("REPORT " + report.recordsRead() + ' ' + report.filtered() + ' '
        + report.deadLetters() + ' ' + report.lateDropped() + ' ' + report.windowsEmitted() + ' '
        + report.resumedAt());
    System.exit(0);
  }

  /** {@link OrderFixture#pipeline}'s pipeline, with {@link #pace} (always true) first. */
  static Pipeline pipeline(String file) {
    return Pipeline.from("hourly-revenue", OrderFixture.source(OrderFixture.inputs(EVENTS)))
        .filter(FlinkPipelineChildProcess::pace)
        .filter(order -> order.quantity() > 0)
        .join(OrderFixture.CATALOG, Order::productId,
            (order, product) -> new OrderFixture.Sale(product.productId(), product.category(),
                order.quantity() * product.price()))
        .keyBy(OrderFixture.Sale::productId)
        .aggregate(OrderFixture.REVENUE)
        .into(DuckDbAnalyticsSink.builder(Path.of(file), "revenue").build());
  }

  /** Called through the pipeline's first filter: halts the job as the class comment says. */
  static boolean pace(Order order) {
    long seen = SEEN.incrementAndGet();
    if (haltAt <= 0 || seen < haltAt) {
      return true;
    }
    if (checkpointsAtHalt == null) {
      checkpointsAtHalt = completed();
    }
    if (!completed().equals(checkpointsAtHalt) && !completed().isEmpty()) {
      System.out.println("HALTED " + seen);
      System.out.flush();
      try {
        FOREVER.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      Thread.sleep(2); // lets checkpoint barriers in between records; the job is to be killed
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return true;
  }

  private static Set<Path> completed() {
    if (!Files.isDirectory(checkpoints)) {
      return Set.of();
    }
    try (Stream<Path> files = Files.find(checkpoints, 4,
        (p, a) -> p.getFileName().toString().equals("_metadata"))) {
      return files.collect(Collectors.toSet());
    } catch (IOException | UncheckedIOException e) {
      // Flink deleted a subsumed checkpoint while we listed: nothing new this time.
      return checkpointsAtHalt != null ? checkpointsAtHalt : Set.of();
    }
  }
}
