package dev.layerkit.events.pipeline;

import dev.layerkit.events.pipeline.duckdb.DuckDbAnalyticsSink;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The child JVM of {@link PipelineKillAndResumeIT}: runs the 100,000-order pipeline into a DuckDB
 * file with checkpoints in a directory. With a halt count it prints {@code HALTED} once that many
 * records are read and then waits inside the engine's loop, with uncheckpointed work in memory,
 * to be killed; without, it runs to the end and prints its report.
 */
public final class PipelineChildProcess {

  static final int EVENTS = 100_000;
  static final int CHECKPOINT_EVERY = 7_000;

  private PipelineChildProcess() {}

  /**
   * Runs the job.
   *
   * @param args the DuckDB file, the checkpoint directory, and the halt count or -1
   * @throws InterruptedException never in practice: the halted child is killed
   */
  public static void main(String[] args) throws InterruptedException {
    Path file = Path.of(args[0]);
    Path checkpoints = Path.of(args[1]);
    long haltAt = Long.parseLong(args[2]);
    CountDownLatch forever = new CountDownLatch(1);
    try (DuckDbAnalyticsSink sink = DuckDbAnalyticsSink.builder(file, "revenue").build()) {
      PipelineReport report = PipelineEngines.inProcess()
          .checkpoints(CheckpointStores.directory(checkpoints))
          .checkpointEvery(CHECKPOINT_EVERY)
          .progressEvery(2_500)
          .progress(p -> {
            if (haltAt > 0 && p.recordsRead() >= haltAt) {
              System.out.println("HALTED " + p.recordsRead());
              System.out.flush();
              try {
                forever.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          })
          .build()
          .run(OrderFixture.pipeline(OrderFixture.source(OrderFixture.inputs(EVENTS)), sink,
              d -> { }));
      System.out.println("REPORT " + report.recordsRead() + ' ' + report.filtered() + ' '
          + report.deadLetters() + ' ' + report.lateDropped() + ' ' + report.windowsEmitted() + ' '
          + report.resumedAt());
    }
  }
}
