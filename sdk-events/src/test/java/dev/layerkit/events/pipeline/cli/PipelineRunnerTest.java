package dev.layerkit.events.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.events.pipeline.AnalyticsSink;
import dev.layerkit.events.pipeline.AnalyticsSinks;
import dev.layerkit.events.pipeline.CheckpointStores;
import dev.layerkit.events.pipeline.InMemoryAnalyticsSink;
import dev.layerkit.events.pipeline.OrderFixture;
import dev.layerkit.events.pipeline.PipelineEngines;
import dev.layerkit.events.stream.WindowedAggregate;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command-line runner: a progress bar to the end, a report with the counts, the dead letters'
 * positions and the rate, exit code 0; a failing job prints why and exits 1, and run again with
 * its checkpoints it resumes and says so.
 */
class PipelineRunnerTest {

  private static final List<OrderFixture.Input> INPUTS = OrderFixture.inputs(5_000);
  private static final OrderFixture.Expected EXPECTED = OrderFixture.expected(INPUTS);

  private final ByteArrayOutputStream report = new ByteArrayOutputStream();
  private final ByteArrayOutputStream bar = new ByteArrayOutputStream();

  private String report() {
    return report.toString(StandardCharsets.UTF_8);
  }

  private PipelineRunner.Builder runner() {
    return PipelineRunner.builder()
        .out(new PrintStream(report, true, StandardCharsets.UTF_8))
        .progressBar(new PrintStream(bar, true, StandardCharsets.UTF_8));
  }

  @Test
  void aJobThatEndsDrawsItsBarToTheEndAndReportsEveryCountWithDeadLetterPositions() {
    InMemoryAnalyticsSink sink = AnalyticsSinks.inMemory("revenue").build();
    int exit = runner().deadLetterPositions(3).build()
        .run(OrderFixture.pipeline(OrderFixture.source(INPUTS), sink, d -> { }));

    assertThat(exit).isEqualTo(PipelineRunner.EXIT_OK);
    assertThat(sink.rows()).containsExactlyElementsOf(EXPECTED.rows());
    String text = report();
    assertThat(text).startsWith("pipeline hourly-revenue: done in ");
    assertThat(text).containsPattern("records read +5,000 +\\([0-9,]+ records/s\\)");
    assertThat(text).containsPattern("filtered +" + String.format("%,d", EXPECTED.filtered()));
    assertThat(text).containsPattern("late, dropped +" + String.format("%,d", EXPECTED.late()));
    assertThat(text).containsPattern("dead letters +" + String.format("%,d", EXPECTED.deadLetters())
        + "  at orders@\\d+ \\([a-z\\[\\] 0-9]+\\), orders@\\d+ \\(.+\\), orders@\\d+ \\(.+\\) and "
        + (EXPECTED.deadLetters() - 3) + " more");
    assertThat(text).containsPattern("rows written +" + String.format("%,d", EXPECTED.rows().size()));
    long aggregated = EXPECTED.rows().stream().mapToLong(WindowedAggregate::count).sum();
    assertThat(text).containsPattern("aggregated +" + String.format("%,d", aggregated));
    String drawn = bar.toString(StandardCharsets.UTF_8);
    assertThat(drawn).contains("hourly-revenue").contains("100%").contains("5000/5000");
  }

  /** A sink whose second upsert fails, as a full disk would. */
  private static AnalyticsSink failingSecondUpsert(InMemoryAnalyticsSink rows) {
    return new AnalyticsSink() {
      private int upserts;

      @Override
      public String table() {
        return rows.table();
      }

      @Override
      public void upsert(List<WindowedAggregate> batch) {
        if (++upserts == 2) {
          throw new IllegalStateException("disk full");
        }
        rows.upsert(batch);
      }

      @Override
      public List<WindowedAggregate> rows() {
        return rows.rows();
      }

      @Override
      public void close() {}
    };
  }

  @Test
  void aFailedJobExitsOneSayingWhyAndRunAgainResumesFromItsCheckpoint(@TempDir Path dir) {
    InMemoryAnalyticsSink sink = AnalyticsSinks.inMemory("revenue").build();
    int failed = runner().engine(progress -> PipelineEngines.inProcess().progress(progress)
            .checkpoints(CheckpointStores.directory(dir)).checkpointEvery(1_000).build())
        .build().run(OrderFixture.pipeline(OrderFixture.source(INPUTS),
            failingSecondUpsert(sink), d -> { }));

    assertThat(failed).isEqualTo(PipelineRunner.EXIT_FAILED);
    assertThat(report()).containsPattern("^pipeline hourly-revenue FAILED: pipeline hourly-revenue"
        + " failed after [1-9][0-9]*000 records read: disk full");
    assertThat(report()).contains("running it again resumes");

    report.reset();
    int resumed = PipelineRunner.builder().out(new PrintStream(report, true, StandardCharsets.UTF_8))
        .progressBar(null)
        .engine(progress -> PipelineEngines.inProcess().progress(progress)
            .checkpoints(CheckpointStores.directory(dir)).checkpointEvery(1_000).build())
        .build()
        .run(OrderFixture.pipeline(OrderFixture.source(INPUTS), sink, d -> { }));
    assertThat(resumed).isEqualTo(PipelineRunner.EXIT_OK);
    assertThat(report()).containsPattern("\\(resumed after [1-9][0-9]*000 records\\)");
    assertThat(sink.rows()).containsExactlyElementsOf(EXPECTED.rows());
  }

  @Test
  void settingsAreValidatedAndGivenOnce() {
    assertThatThrownBy(() -> PipelineRunner.builder().deadLetterPositions(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    assertThatThrownBy(() -> PipelineRunner.builder().out(System.out).out(System.out))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("out was already set");
    assertThatThrownBy(() -> PipelineRunner.builder().engine(null))
        .isInstanceOf(NullPointerException.class).hasMessage("engine");
  }
}
