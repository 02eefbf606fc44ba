package dev.layerkit.events.pipeline.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.events.pipeline.AnalyticsSinks;
import dev.layerkit.events.pipeline.InMemoryAnalyticsSink;
import dev.layerkit.events.pipeline.OrderFixture;
import dev.layerkit.events.pipeline.PipelineEngines;
import dev.layerkit.events.pipeline.PipelineReport;
import dev.layerkit.events.pipeline.duckdb.DuckDbAnalyticsSink;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
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
 * The Flink engine killed halfway (a child JVM running a local mini cluster in streaming mode,
 * SIGKILL, with uncheckpointed state and unflushed rows in memory and committed upserts in its
 * DuckDB file) and started again: it resumes from its latest Flink checkpoint, and the table and
 * report equal an uninterrupted in-process run's, exactly.
 */
class FlinkPipelineKillAndResumeIT {

  private static final long WAIT_SECONDS = 300;
  private static final long HALT_AT = 52_500;

  private static Process start(Path file, Path checkpoints, long haltAt) throws IOException {
    return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx768m", "-cp", System.getProperty("java.class.path"),
        FlinkPipelineChildProcess.class.getName(), file.toString(), checkpoints.toString(),
        Long.toString(haltAt))
        .redirectErrorStream(true).start();
  }

  /** Reads the child's output until a line starts with {@code prefix}; keeps every line. */
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
        throw new IllegalStateException("the child ended without '" + prefix + "': "
            + tail(lines));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  private static List<String> tail(List<String> lines) {
    synchronized (lines) {
      return new ArrayList<>(lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }
  }

  @Test
  void aFlinkJobKilledHalfwayResumesFromItsCheckpointWithExactlyTheUninterruptedTable(
      @TempDir Path dir) throws Exception {
    Path file = dir.resolve("warehouse.duckdb");
    Path checkpoints = dir.resolve("checkpoints");
    List<String> output = new ArrayList<>();

    Process first = start(file, checkpoints, HALT_AT);
    try {
      String halted = lineStarting(first, "HALTED", output).get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(Long.parseLong(halted.substring("HALTED ".length())))
          .isGreaterThanOrEqualTo(HALT_AT);
    } finally {
      first.destroyForcibly();
      assertThat(first.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(FlinkPipelineEngine.latestCheckpoint(checkpoints.resolve("hourly-revenue")))
        .as("the killed job's checkpoint").isPresent();
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
      assertThat(second.exitValue()).as("child output %s", tail(output)).isZero();
    } finally {
      second.destroyForcibly();
    }

    InMemoryAnalyticsSink uninterrupted = AnalyticsSinks.inMemory("revenue").build();
    PipelineReport expected = PipelineEngines.inProcess().build().run(OrderFixture.pipeline(
        OrderFixture.source(OrderFixture.inputs(FlinkPipelineChildProcess.EVENTS)), uninterrupted,
        d -> { }));
    String[] fields = report.split(" ");
    assertThat(String.join(" ", List.of(fields).subList(0, 6))).isEqualTo("REPORT "
        + expected.recordsRead() + ' ' + expected.filtered() + ' ' + expected.deadLetters() + ' '
        + expected.lateDropped() + ' ' + expected.windowsEmitted());
    assertThat(Long.parseLong(fields[6])).as("records read before the restored checkpoint")
        .isPositive().isLessThan(FlinkPipelineChildProcess.EVENTS);
    try (DuckDbAnalyticsSink sink = DuckDbAnalyticsSink.builder(file, "revenue").build()) {
      assertThat(sink.rows()).hasSizeGreaterThan(Math.max(2_000, rowsAtKill))
          .containsExactlyElementsOf(uninterrupted.rows());
    }
    assertThat(Files.exists(checkpoints.resolve("hourly-revenue"))).isFalse();
  }
}
