package dev.layerkit.events.pipeline;

import dev.layerkit.events.pipeline.internal.SinkTables;

/**
 * Factory of the in-memory {@link AnalyticsSink}; the DuckDB and PostgreSQL sinks are built from
 * {@code pipeline.duckdb.DuckDbAnalyticsSink.builder} and {@code
 * pipeline.jdbc.PostgresAnalyticsSink.builder}.
 */
public final class AnalyticsSinks {

  private AnalyticsSinks() {}

  /**
   * Returns a builder of an in-memory sink, for tests and dashboards of one process.
   *
   * @param table the table's name: a letter or {@code _}, then letters, digits or {@code _}, at
   *     most 63
   * @return a builder
   * @throws NullPointerException if {@code table} is null
   * @throws IllegalArgumentException if {@code table} is not a valid name
   */
  public static InMemoryAnalyticsSink.Builder inMemory(String table) {
    return new InMemoryAnalyticsSink.Builder(SinkTables.checkName(table));
  }
}
