package dev.layerkit.events.pipeline;

import dev.layerkit.events.stream.WindowedAggregate;
import java.util.List;

/**
 * Where a {@link Pipeline} writes its results: a table of one row per window and key (window
 * start and end, key, count, sum, min and max). Backends: {@link AnalyticsSinks#inMemory}, the
 * embedded DuckDB file ({@code pipeline.duckdb.DuckDbAnalyticsSink}, the default warehouse on one
 * machine) and PostgreSQL ({@code pipeline.jdbc.PostgresAnalyticsSink}).
 *
 * <p>Writes are idempotent upserts keyed by window start and key: writing a row again replaces
 * it, so a rerun or a resumed job leaves the same table as one uninterrupted run, never a double
 * count. Implementations are thread-safe.
 */
public interface AnalyticsSink extends AutoCloseable {

  /**
   * Returns the table's name.
   *
   * @return the table
   */
  String table();

  /**
   * Writes rows, replacing any row with the same window start and key, all or nothing (in one
   * transaction where the backend has them). Of two rows with the same window start and key in
   * one call, the last wins.
   *
   * @param rows the rows
   * @throws NullPointerException if {@code rows} or a row is null
   * @throws AnalyticsSinkException if the backend fails; nothing of this call is written
   */
  void upsert(List<WindowedAggregate> rows);

  /**
   * Reads the whole table, ordered by window start, then key.
   *
   * @return the rows
   * @throws AnalyticsSinkException if the backend fails
   */
  List<WindowedAggregate> rows();

  /** Releases the sink's resources. Idempotent. */
  @Override
  void close();
}
