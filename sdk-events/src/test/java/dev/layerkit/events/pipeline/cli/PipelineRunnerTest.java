package dev.layerkit.events.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layerkit.events.pipeline.AnalyticsSink;
import dev.layerkit.events.pipeline.AnalyticsSinks;
import dev.layerkit.events.pipeline.CheckpointStores;
import dev.layerkit.events.pipeline.InMemoryAnalyticsSink;
import dev.layerkit.events.pipeline.OrderFixture;
import dev.layerkit.events.pipeline.Pipeline;
import dev.layerkit.events.pipeline.PipelineEngines;
import dev.layerkit.events.pipeline.PipelineException;
import dev.layerkit.events.pipeline.PipelineProgress;
import dev.layerkit.events.pipeline.PipelineReport;
import dev.layerkit.events.pipeline.SourceReader;
import dev.layerkit.events.pipeline.SourceRecord;
import dev.layerkit.events.pipeline.UnboundedSource;
import dev.layerkit.events.stream.WindowedAggregation;
import dev.layerkit.events.stream.Windows;
import dev.layerkit.events.stream.WindowedAggregate;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command-line runner: a progress bar to the end, a report with the counts, the dead letters'
 * positions and the rate, exit code 0; a failing job prints why and exits 1, and run again with
 * its checkpoints it resumes and says so; a streaming job is followed until told to stop, then
 * reported, and a bounded one is refused.
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

  @Test
  void aJobOnAnotherEngineDrawsTheProgressItIsGivenAndIsReportedOrFailsWithExitOne() {
    int exit = runner().build().run("flink-job", progress -> {
      progress.accept(new PipelineProgress("flink-job", 400, 3, 1, 0, 600));
      progress.accept(new PipelineProgress("flink-job", 1_000, 9, 2, 1, 0));
      return new PipelineReport("flink-job", 1_000, 5, 2, 1, 9, 0, Duration.ofMillis(500));
    });
    assertThat(exit).isEqualTo(PipelineRunner.EXIT_OK);
    assertThat(report()).startsWith("pipeline flink-job: done in 0.500 s")
        .containsPattern("records read +1,000 +\\(2,000 records/s\\)")
        .containsPattern("dead letters +2\\R").containsPattern("rows written +9 ");
    assertThat(bar.toString(StandardCharsets.UTF_8)).contains("flink-job", "100%", "1000/1000");

    ByteArrayOutputStream failure = new ByteArrayOutputStream();
    int failed = PipelineRunner.builder().progressBar(null)
        .out(new PrintStream(failure, true, StandardCharsets.UTF_8)).build()
        .run("flink-job", progress -> {
          throw new PipelineException("pipeline flink-job failed on Flink: disk full",
              new IllegalStateException("disk full"));
        });
    assertThat(failed).isEqualTo(PipelineRunner.EXIT_FAILED);
    assertThat(failure.toString(StandardCharsets.UTF_8))
        .startsWith("pipeline flink-job FAILED: pipeline flink-job failed on Flink: disk full");
    assertThatThrownBy(() -> runner().build().run("x", null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("job");
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

  /** An unbounded source of the minutes the test offers, in one partition. */
  private static final class FedSource implements UnboundedSource<Long> {
    final LinkedBlockingQueue<Long> queue = new LinkedBlockingQueue<>();
    final AtomicInteger offset = new AtomicInteger();

    @Override
    public String name() {
      return "fed";
    }

    @Override
    public SourceReader<Long> open(Map<String, Long> resumeFrom) {
      throw new UnsupportedOperationException("streaming only");
    }

    @Override
    public SourceReader<Long> openUnbounded(Map<String, Long> resumeFrom) {
      return new SourceReader<>() {
        @Override
        public @Nullable SourceRecord<Long> next() {
          try {
            Long minute = queue.poll(20, TimeUnit.MILLISECONDS);
            return minute == null ? null : SourceRecord.of("fed", offset.getAndIncrement(),
                Instant.EPOCH.plus(Duration.ofMinutes(minute)), minute);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
          }
        }

        @Override
        public Map<String, Long> position() {
          return Map.of("read", (long) offset.get());
        }

        @Override
        public long remaining() {
          return queue.size();
        }

        @Override
        public void close() {}
      };
    }
  }

  @Test
  void followsAStreamingJobUntilToldToStopThenReportsIt() throws Exception {
    FedSource source = new FedSource();
    InMemoryAnalyticsSink sink = AnalyticsSinks.inMemory("counts").build();
    Pipeline counts = Pipeline.from("fed-counts", source)
        .keyBy(minute -> "all")
        .aggregate(WindowedAggregation.<Long>builder(Windows.tumbling(Duration.ofHours(1)))
            .value(minute -> 1).build())
        .into(sink);
    CompletableFuture<Void> stop = new CompletableFuture<>();
    PipelineRunner runner = runner().engine(progress -> PipelineEngines.inProcess()
        .progress(progress).progressEvery(1).build()).build();
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> runner.follow(counts, stop));
    for (long minute : new long[] {1, 2, 30, 61, 62}) {
      source.queue.add(minute);
    }
    // 01:01 closes hour 0: its row reaches the sink while the job runs.
    await().atMost(Duration.ofSeconds(30)).until(() -> sink.rows().size() == 1);
    assertThat(sink.rows().get(0).count()).isEqualTo(3);
    assertThat(exit).isNotDone();
    stop.complete(null);

    assertThat(exit.get(30, TimeUnit.SECONDS)).isEqualTo(PipelineRunner.EXIT_OK);
    assertThat(report()).startsWith("pipeline fed-counts: done in ")
        .containsPattern("records read +5 ").containsPattern("rows written +1 ")
        .contains("stopped; its checkpoint resumes it");
    assertThat(bar.toString(StandardCharsets.UTF_8)).contains("fed-counts", "lag 0");

    Pipeline bounded = OrderFixture.pipeline(OrderFixture.source(INPUTS),
        AnalyticsSinks.inMemory("t").build(), d -> { });
    report.reset();
    assertThat(PipelineRunner.builder().out(new PrintStream(report, true, StandardCharsets.UTF_8))
        .progressBar(null).build().follow(bounded, new CompletableFuture<>()))
        .isEqualTo(PipelineRunner.EXIT_FAILED);
    assertThat(report()).startsWith("pipeline hourly-revenue FAILED to start: pipeline"
        + " hourly-revenue cannot stream");
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
