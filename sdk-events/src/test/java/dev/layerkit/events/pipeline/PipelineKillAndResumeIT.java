package dev.layerkit.events.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.events.pipeline.duckdb.DuckDbAnalyticsSink;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-process engine killed halfway (a child JVM, SIGKILL, with uncheckpointed work in memory
 * and committed upserts in its DuckDB file) and started again: the resumed job's table and report
 * equal an uninterrupted run's, exactly.
 */
class PipelineKillAndResumeIT {

  private static final long WAIT_SECONDS = 300;

  private static Process start(Path file, Path checkpoints, long haltAt) throws Exception {
    return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        PipelineChildProcess.class.getName(), file.toString(), checkpoints.toString(),
        Long.toString(haltAt))
        .redirectErrorStream(true).start();
  }

  /** Reads the child's output until a line starts with {@code prefix}; returns every line. */
  private static CompletableFuture<String> lineStarting(Process child, String prefix,
      List<String> lines) {
    return CompletableFuture.supplyAsync(() -> {
      try (BufferedReader reader = new BufferedReader(
          new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          synchronized (lines) {
            lines.add(line);
          }
          if (line.startsWith(prefix)) {
            return line;
          }
        }
        throw new IllegalStateException("the child ended without '" + prefix + "': " + lines);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  @Test
  void aJobKilledHalfwayAndRestartedEndsWithExactlyTheTableOfAnUninterruptedRun(
      @TempDir Path dir) throws Exception {
    Path file = dir.resolve("warehouse.duckdb");
    Path checkpoints = dir.resolve("checkpoints");
    List<String> output = new ArrayList<>();

    Process first = start(file, checkpoints, 52_500);
    try {
      String halted = lineStarting(first, "HALTED", output).get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(halted).isEqualTo("HALTED 52500");
    } finally {
      first.destroyForcibly();
      assertThat(first.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(Files.exists(checkpoints.resolve("hourly-revenue.checkpoint"))).isTrue();
    int rowsAtKill;
    try (DuckDbAnalyticsSink sink = DuckDbAnalyticsSink.builder(file, "revenue").build()) {
      rowsAtKill = sink.rows().size();
    }
    assertThat(rowsAtKill).as("rows the killed job had committed").isPositive();

    Process second = start(file, checkpoints, -1);
    String report;
    try {
      report = lineStarting(second, "REPORT", output).get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(second.exitValue()).as("child output %s", output).isZero();
    } finally {
      second.destroyForcibly();
    }

    InMemoryAnalyticsSink uninterrupted = AnalyticsSinks.inMemory("revenue").build();
    PipelineReport expected = PipelineEngines.inProcess().build().run(OrderFixture.pipeline(
        OrderFixture.source(OrderFixture.inputs(PipelineChildProcess.EVENTS)), uninterrupted,
        d -> { }));
    long lastCheckpoint = 52_500 / PipelineChildProcess.CHECKPOINT_EVERY
        * PipelineChildProcess.CHECKPOINT_EVERY;
    assertThat(report).isEqualTo("REPORT " + expected.recordsRead() + ' ' + expected.filtered()
        + ' ' + expected.deadLetters() + ' ' + expected.lateDropped() + ' '
        + expected.windowsEmitted() + ' ' + lastCheckpoint);
    try (DuckDbAnalyticsSink sink = DuckDbAnalyticsSink.builder(file, "revenue").build()) {
      assertThat(sink.rows()).hasSizeGreaterThan(Math.max(2_000, rowsAtKill))
          .containsExactlyElementsOf(uninterrupted.rows());
    }
    assertThat(Files.exists(checkpoints.resolve("hourly-revenue.checkpoint"))).isFalse();
  }
}
