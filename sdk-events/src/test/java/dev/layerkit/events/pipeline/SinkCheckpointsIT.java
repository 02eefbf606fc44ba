package dev.layerkit.events.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestServers;
import dev.layerkit.events.pipeline.OrderFixture.Expected;
import dev.layerkit.events.pipeline.OrderFixture.Input;
import dev.layerkit.events.pipeline.duckdb.DuckDbAnalyticsSink;
import dev.layerkit.events.pipeline.jdbc.PostgresAnalyticsSink;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints kept in the warehouse beside the table (the sink's high-water mark), on DuckDB and
 * on the real PostgreSQL server: a job that fails halfway resumes from the checkpoint its sink
 * holds, with a new sink object as a new process would have, and ends with exactly the
 * uninterrupted table; the finished job leaves no checkpoint.
 */
class SinkCheckpointsIT {

  private static final List<Input> INPUTS = OrderFixture.inputs(30_000);
  private static final Expected EXPECTED = OrderFixture.expected(INPUTS);

  private static void failHalfwayThenResume(java.util.function.Supplier<AnalyticsSink> open,
      Function<AnalyticsSink, CheckpointStore> checkpoints) {
    try (AnalyticsSink sink = open.get()) {
      assertThatThrownBy(() -> PipelineEngines.inProcess().checkpoints(checkpoints.apply(sink))
          .checkpointEvery(2_000).progressEvery(15_000)
          .progress(p -> {
            throw new IllegalStateException("killed at " + p.recordsRead());
          })
          .build().run(OrderFixture.pipeline(OrderFixture.source(INPUTS), sink, d -> { })))
          .isInstanceOf(PipelineException.class).hasMessageContaining("killed at 15000");
      assertThat(checkpoints.apply(sink).load("hourly-revenue")).isPresent();
      assertThat(sink.rows()).isNotEmpty().hasSizeLessThan(EXPECTED.rows().size());
    }
    try (AnalyticsSink sink = open.get()) {
      PipelineReport report = PipelineEngines.inProcess().checkpoints(checkpoints.apply(sink))
          .checkpointEvery(2_000).build()
          .run(OrderFixture.pipeline(OrderFixture.source(INPUTS), sink, d -> { }));

      assertThat(report.resumedAt()).isEqualTo(14_000);
      assertThat(report.windowsEmitted()).isEqualTo(EXPECTED.rows().size());
      assertThat(report.deadLetters()).isEqualTo(EXPECTED.deadLetters());
      assertThat(sink.rows()).containsExactlyElementsOf(EXPECTED.rows());
      assertThat(checkpoints.apply(sink).load("hourly-revenue")).isEmpty();
    }
  }

  @Test
  void aDuckDbJobResumesFromTheCheckpointInItsWarehouseFile(@TempDir Path dir) {
    Path file = dir.resolve("warehouse.duckdb");
    failHalfwayThenResume(() -> DuckDbAnalyticsSink.builder(file, "revenue").build(),
        sink -> ((DuckDbAnalyticsSink) sink).checkpoints());
  }

  @Test
  void aPostgresJobResumesFromTheCheckpointInItsDatabase() throws Exception {
    PostgresSchema schema = TestServers.postgres().createSchema("pipeline_checkpoints");
    failHalfwayThenResume(() -> {
      PostgresAnalyticsSink.Builder b =
          PostgresAnalyticsSink.builder(schema.jdbcUrl(), "revenue").user(schema.user());
      if (schema.password() != null) {
        b.password(schema.password());
      }
      return b.build();
    }, sink -> ((PostgresAnalyticsSink) sink).checkpoints());
  }
}
