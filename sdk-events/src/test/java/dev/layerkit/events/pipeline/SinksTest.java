package dev.layerkit.events.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.events.pipeline.duckdb.DuckDbAnalyticsSink;
import dev.layerkit.events.stream.Aggregate;
import dev.layerkit.events.stream.WindowedAggregate;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-memory and DuckDB sinks: upserts replace rows by window start and key, the last of two in
 * one call wins, rows read back bit for bit in order, and a second process cannot open a file
 * that is being written.
 */
class SinksTest {

  private static WindowedAggregate row(long start, String key, long count, double sum) {
    return WindowedAggregate.of(key, start, start + 3_600_000,
        new Aggregate(count, sum, 0.1 + 0.2, sum));
  }

  private static void upsertsReplaceAndReadBackInOrder(AnalyticsSink sink) {
    sink.upsert(List.of(row(3_600_000, "b", 1, 1.0), row(0, "z", 2, 0.1 + 0.2),
        row(0, "a", 3, 3.0)));
    sink.upsert(List.of(row(0, "a", 4, 4.0), row(0, "a", 5, 5.0)));
    sink.upsert(List.of());

    assertThat(sink.rows()).containsExactly(row(0, "a", 5, 5.0), row(0, "z", 2, 0.1 + 0.2),
        row(3_600_000, "b", 1, 1.0));
    assertThatThrownBy(() -> sink.upsert(java.util.Arrays.asList(row(0, "q", 1, 1), null)))
        .isInstanceOf(NullPointerException.class);
    assertThat(sink.rows()).hasSize(3);
  }

  @Test
  void inMemoryUpsertsReplaceRowsByWindowAndKey() {
    upsertsReplaceAndReadBackInOrder(AnalyticsSinks.inMemory("t").build());
  }

  @Test
  void duckDbUpsertsReplaceRowsByWindowAndKey() {
    try (DuckDbAnalyticsSink sink = DuckDbAnalyticsSink.inMemoryDatabase("t").build()) {
      upsertsReplaceAndReadBackInOrder(sink);
    }
  }

  @Test
  void duckDbRowsSurviveReopeningTheFile(@TempDir Path dir) {
    Path file = dir.resolve("w.duckdb");
    try (DuckDbAnalyticsSink sink = DuckDbAnalyticsSink.builder(file, "t").build()) {
      sink.upsert(List.of(row(0, "a", 1, 0.1 + 0.2)));
    }
    try (DuckDbAnalyticsSink sink = DuckDbAnalyticsSink.builder(file, "t").build()) {
      assertThat(sink.rows()).containsExactly(row(0, "a", 1, 0.1 + 0.2));
    }
  }

  @Test
  void aClosedDuckDbSinkSaysSo() {
    DuckDbAnalyticsSink sink = DuckDbAnalyticsSink.inMemoryDatabase("t").build();
    sink.close();
    sink.close();
    assertThatThrownBy(() -> sink.upsert(List.of(row(0, "a", 1, 1))))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
  }

  @Test
  void anUnopenableDuckDbFileIsAnAnalyticsSinkExceptionNamingIt(@TempDir Path dir) {
    Path notADatabase = dir.resolve("missing-dir").resolve("sub").resolve("w.duckdb");
    assertThatThrownBy(() -> DuckDbAnalyticsSink.builder(notADatabase, "t").build())
        .isInstanceOf(AnalyticsSinkException.class)
        .hasMessageContaining("w.duckdb");
  }
}
