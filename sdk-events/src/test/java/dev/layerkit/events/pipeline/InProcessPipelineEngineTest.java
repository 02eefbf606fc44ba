package dev.layerkit.events.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.events.pipeline.OrderFixture.Expected;
import dev.layerkit.events.pipeline.OrderFixture.Input;
import dev.layerkit.events.stream.WindowedAggregate;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-process engine on 20,000 generated orders: the table equals the existing windowed
 * aggregator's by hand, malformed and unmatched records go to the dead letters with their
 * positions, progress and meters count, and a job that fails halfway resumes from its checkpoint to
 * exactly the uninterrupted table.
 */
class InProcessPipelineEngineTest {

  private static final List<Input> INPUTS = OrderFixture.inputs(20_000);
  private static final Expected EXPECTED = OrderFixture.expected(INPUTS);

  @Test
  void theTableEqualsTheWindowedAggregatorsAndTheReportCountsEveryRecord() {
    InMemoryAnalyticsSink sink = AnalyticsSinks.inMemory("revenue").build();
    List<DeadLetter> deadLetters = new ArrayList<>();
    PipelineReport report = PipelineEngines.inProcess().build()
        .run(OrderFixture.pipeline(OrderFixture.source(INPUTS), sink, deadLetters::add));

    assertThat(EXPECTED.rows()).hasSizeGreaterThan(500);
    assertThat(sink.rows()).containsExactlyElementsOf(EXPECTED.rows());
    assertThat(report.recordsRead()).isEqualTo(INPUTS.size());
    assertThat(report.deadLetters()).isEqualTo(EXPECTED.deadLetters()).isPositive();
    assertThat(report.filtered()).isEqualTo(EXPECTED.filtered()).isPositive();
    assertThat(report.lateDropped()).isEqualTo(EXPECTED.late()).isPositive();
    assertThat(report.windowsEmitted()).isEqualTo(EXPECTED.rows().size());
    assertThat(report.aggregated())
        .isEqualTo(EXPECTED.rows().stream().mapToLong(WindowedAggregate::count).sum());
    assertThat(deadLetters).hasSize((int) EXPECTED.deadLetters());
  }

  @Test
  void malformedAndUnmatchedRecordsAreDeadLettersWithTheirPositionAndTheJobGoesOn() {
    List<DeadLetter> deadLetters = new ArrayList<>();
    PipelineReport report = PipelineEngines.inProcess().build().run(OrderFixture.pipeline(
        OrderFixture.source(INPUTS), AnalyticsSinks.inMemory("t").build(), deadLetters::add));

    assertThat(deadLetters).anySatisfy(d -> {
      assertThat(d.stage()).isEqualTo("decode");
      assertThat(d.position()).matches("orders@\\d+");
      assertThat(d.bytes()).isNotNull();
      int offset = Integer.parseInt(d.position().substring("orders@".length()));
      assertThat(d.bytes()).isEqualTo(INPUTS.get(offset).bytes());
    });
    assertThat(deadLetters).anySatisfy(d -> {
      assertThat(d.stage()).isEqualTo("join catalog[2]");
      assertThat(d.reason()).isEqualTo("no row in table 'catalog' for key P-999");
    });
    assertThat(report.recordsRead()).isEqualTo(INPUTS.size());
  }

  @Test
  void progressAndMetersCountRecordsWindowsAndDeadLetters() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    List<PipelineProgress> progress = new ArrayList<>();
    ManualTimeSource time = new ManualTimeSource();
    PipelineReport report = PipelineEngines.inProcess().progressEvery(5_000)
        .progress(p -> {
          progress.add(p);
          time.advance(Duration.ofSeconds(1));
        })
        .meterRegistry(registry).timeSource(time).build()
        .run(OrderFixture.pipeline(OrderFixture.source(INPUTS),
            AnalyticsSinks.inMemory("t").build(), d -> { }));

    assertThat(progress).extracting(PipelineProgress::recordsRead)
        .containsExactly(5_000L, 10_000L, 15_000L, 20_000L, 20_000L);
    assertThat(progress.get(0).remaining()).isEqualTo(15_000);
    assertThat(progress.get(0).fractionDone()).isEqualTo(0.25);
    assertThat(progress.get(progress.size() - 1).windowsEmitted()).isEqualTo(EXPECTED.rows().size());
    assertThat(report.elapsed()).isEqualTo(Duration.ofSeconds(5));
    assertThat(registry.get("layerkit.pipeline.records.read").tag("name", "hourly-revenue")
        .counter().count()).isEqualTo(20_000);
    assertThat(registry.get("layerkit.pipeline.windows.emitted").counter().count())
        .isEqualTo(EXPECTED.rows().size());
    assertThat(registry.get("layerkit.pipeline.dead.letters").counter().count())
        .isEqualTo(EXPECTED.deadLetters());
    assertThat(registry.get("layerkit.pipeline.late.dropped").counter().count())
        .isEqualTo(EXPECTED.late());
  }

  /** A sink that fails its n-th upsert, as a crash would. */
  private static final class FailingSink implements AnalyticsSink {
    final InMemoryAnalyticsSink rows;
    final int failAt;
    final AtomicInteger upserts = new AtomicInteger();

    FailingSink(InMemoryAnalyticsSink rows, int failAt) {
      this.rows = rows;
      this.failAt = failAt;
    }

    @Override
    public String table() {
      return rows.table();
    }

    @Override
    public void upsert(List<WindowedAggregate> batch) {
      if (upserts.incrementAndGet() == failAt) {
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
  }

  @Test
  void aJobThatFailsHalfwayResumesFromItsCheckpointToExactlyTheUninterruptedTable(
      @TempDir Path dir) {
    CheckpointStore checkpoints = CheckpointStores.directory(dir);
    InMemoryAnalyticsSink table = AnalyticsSinks.inMemory("revenue").build();
    InProcessPipelineEngine engine =
        PipelineEngines.inProcess().checkpoints(checkpoints).checkpointEvery(1_500).build();

    assertThatThrownBy(() -> engine.run(OrderFixture.pipeline(OrderFixture.source(INPUTS),
        new FailingSink(table, 6), d -> { })))
        .isInstanceOf(PipelineException.class)
        .hasMessageMatching("pipeline hourly-revenue failed after \\d+ records read: .*")
        .hasMessageContaining("disk full");
    assertThat(checkpoints.load("hourly-revenue")).isPresent();
    int before = table.rows().size();
    assertThat(before).isPositive().isLessThan(EXPECTED.rows().size());

    PipelineReport report = engine.run(
        OrderFixture.pipeline(OrderFixture.source(INPUTS), table, d -> { }));

    assertThat(report.resumedAt()).isPositive().isLessThan(INPUTS.size());
    assertThat(report.resumedAt() % 1_500).isZero();
    assertThat(table.rows()).containsExactlyElementsOf(EXPECTED.rows());
    assertThat(report.recordsRead()).isEqualTo(INPUTS.size());
    assertThat(report.deadLetters()).isEqualTo(EXPECTED.deadLetters());
    assertThat(report.lateDropped()).isEqualTo(EXPECTED.late());
    assertThat(report.windowsEmitted()).isEqualTo(EXPECTED.rows().size());
    assertThat(checkpoints.load("hourly-revenue")).isEmpty();
  }

  @Test
  void windowsUpsertedButNotYetCheckpointedAreWrittenAgainWithoutDoubleCounting(
      @TempDir Path dir) {
    CheckpointStore real = CheckpointStores.directory(dir);
    AtomicInteger saves = new AtomicInteger();
    CheckpointStore crashesOnThirdSave = new CheckpointStore() {
      @Override
      public Optional<byte[]> load(String pipeline) {
        return real.load(pipeline);
      }

      @Override
      public void save(String pipeline, byte[] checkpoint) {
        if (saves.incrementAndGet() == 3) {
          throw new IllegalStateException("killed between upsert and checkpoint");
        }
        real.save(pipeline, checkpoint);
      }

      @Override
      public void delete(String pipeline) {
        real.delete(pipeline);
      }
    };
    InMemoryAnalyticsSink table = AnalyticsSinks.inMemory("revenue").build();
    assertThatThrownBy(() -> PipelineEngines.inProcess().checkpoints(crashesOnThirdSave)
        .checkpointEvery(2_000).build()
        .run(OrderFixture.pipeline(OrderFixture.source(INPUTS), table, d -> { })))
        .isInstanceOf(PipelineException.class);
    List<WindowedAggregate> afterCrash = table.rows();

    PipelineReport report = PipelineEngines.inProcess().checkpoints(real).checkpointEvery(2_000)
        .build().run(OrderFixture.pipeline(OrderFixture.source(INPUTS), table, d -> { }));

    assertThat(report.resumedAt()).isEqualTo(4_000);
    assertThat(EXPECTED.rows()).containsAll(afterCrash);
    assertThat(table.rows()).containsExactlyElementsOf(EXPECTED.rows());
    assertThat(report.windowsEmitted()).isEqualTo(EXPECTED.rows().size());
  }

  @Test
  void aRerunOfAFinishedJobLeavesTheSameTable() {
    InMemoryAnalyticsSink table = AnalyticsSinks.inMemory("revenue").build();
    Pipeline pipeline = OrderFixture.pipeline(OrderFixture.source(INPUTS), table, d -> { });
    PipelineEngines.inProcess().build().run(pipeline);
    PipelineEngines.inProcess().build().run(pipeline);
    assertThat(table.rows()).containsExactlyElementsOf(EXPECTED.rows());
  }

  @Test
  void aCheckpointOfAnotherDefinitionIsRefusedWithWhatDiffers(@TempDir Path dir) {
    CheckpointStore checkpoints = CheckpointStores.directory(dir);
    InMemoryAnalyticsSink table = AnalyticsSinks.inMemory("revenue").build();
    assertThatThrownBy(() -> PipelineEngines.inProcess().checkpoints(checkpoints)
        .checkpointEvery(1_000).build()
        .run(OrderFixture.pipeline(OrderFixture.source(INPUTS), new FailingSink(table, 2),
            d -> { })))
        .isInstanceOf(PipelineException.class);
    Pipeline other = OrderFixture.pipeline(OrderFixture.source(INPUTS),
        AnalyticsSinks.inMemory("other_table").build(), d -> { });

    assertThatThrownBy(() -> PipelineEngines.inProcess().checkpoints(checkpoints).build()
        .run(other))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the checkpoint belongs to another definition")
        .hasMessageContaining("revenue")
        .hasMessageContaining("other_table");
  }

  @Test
  void aCorruptCheckpointFileIsRefusedNamingThePipeline(@TempDir Path dir) throws Exception {
    Files.write(dir.resolve("hourly-revenue.checkpoint"), new byte[] {0, 0, 0, 1, 9});
    assertThatThrownBy(() -> PipelineEngines.inProcess()
        .checkpoints(CheckpointStores.directory(dir)).build()
        .run(OrderFixture.pipeline(OrderFixture.source(INPUTS),
            AnalyticsSinks.inMemory("t").build(), d -> { })))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("pipeline hourly-revenue: the checkpoint is unreadable");
  }
}
