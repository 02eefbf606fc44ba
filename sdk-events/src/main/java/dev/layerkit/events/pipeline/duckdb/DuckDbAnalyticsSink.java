package dev.layerkit.events.pipeline.duckdb;

import dev.layerkit.events.pipeline.AnalyticsSink;
import dev.layerkit.events.pipeline.CheckpointStore;
import dev.layerkit.events.pipeline.AnalyticsSinkException;
import dev.layerkit.events.pipeline.internal.JdbcAnalyticsTable;
import dev.layerkit.events.pipeline.internal.SinkTables;
import dev.layerkit.events.stream.WindowedAggregate;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;

/**
 * An {@link AnalyticsSink} in an embedded DuckDB database file: the warehouse of one machine, the
 * default sink. Needs {@code org.duckdb:duckdb_jdbc} on the class path.
 *
 * <p>The sink holds one connection to the file from {@link Builder#build()} to {@link #close()};
 * DuckDB lets one process write a file at a time, so a second process opening it fails with
 * DuckDB's lock error. Each {@link #upsert} is one transaction, durable on return (DuckDB's
 * write-ahead log), so a process killed mid-job keeps every committed upsert.
 *
 * <p>Thread-safe: calls are serialized on the connection.
 */
public final class DuckDbAnalyticsSink implements AnalyticsSink {

  private final String description;
  private final String table;
  private final Connection connection;
  private final JdbcAnalyticsTable sql;
  private boolean closed;

  private DuckDbAnalyticsSink(String url, String table) {
    this.description = "DuckDbAnalyticsSink{" + url + ", " + table + '}';
    this.table = table;
    try {
      this.connection = DriverManager.getConnection(url);
    } catch (SQLException e) {
      throw new AnalyticsSinkException(description + ": cannot open " + url + ": "
          + e.getMessage(), e);
    }
    try {
      this.sql = new JdbcAnalyticsTable(description, table, "DOUBLE", "BLOB",
          new JdbcAnalyticsTable.Connections() {
            @Override
            public Connection get() {
              return connection;
            }

            @Override
            public void release(Connection c) {}
          });
    } catch (RuntimeException e) {
      closeQuietly();
      throw e;
    }
  }

  /**
   * Returns a builder of a sink writing {@code table} in the DuckDB file {@code file} (created if
   * absent).
   *
   * @param file the database file
   * @param table the table: a letter or {@code _}, then letters, digits or {@code _}, at most 51
   * @return a builder
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code table} is not a valid name
   */
  public static Builder builder(Path file, String table) {
    Objects.requireNonNull(file, "file");
    return new Builder("jdbc:duckdb:" + file.toAbsolutePath(), SinkTables.checkName(table));
  }

  /**
   * Returns a builder of a sink writing {@code table} in an in-memory DuckDB database, gone on
   * {@link #close()}: for tests.
   *
   * @param table the table
   * @return a builder
   * @throws NullPointerException if {@code table} is null
   * @throws IllegalArgumentException if {@code table} is not a valid name
   */
  public static Builder inMemoryDatabase(String table) {
    return new Builder("jdbc:duckdb:", SinkTables.checkName(table));
  }

  /**
   * Returns a checkpoint store in the same database, table {@code <table>_checkpoints}: the
   * sink's high-water mark, so that a job resumes from what its warehouse holds with no file
   * beside it. The engine saves a checkpoint after the upsert it covers.
   *
   * <pre>{@code
   * PipelineEngines.inProcess().checkpoints(sink.checkpoints()).build().run(pipeline);
   * }</pre>
   *
   * @return the store, usable while the sink is open
   */
  public CheckpointStore checkpoints() {
    CheckpointStore store = sql.checkpoints();
    DuckDbAnalyticsSink sink = this;
    return new CheckpointStore() {
      @Override
      public java.util.Optional<byte[]> load(String pipeline) {
        synchronized (sink) {
          requireOpen();
          return store.load(pipeline);
        }
      }

      @Override
      public void save(String pipeline, byte[] checkpoint) {
        synchronized (sink) {
          requireOpen();
          store.save(pipeline, checkpoint);
        }
      }

      @Override
      public void delete(String pipeline) {
        synchronized (sink) {
          requireOpen();
          store.delete(pipeline);
        }
      }

      @Override
      public String toString() {
        return store.toString();
      }
    };
  }

  @Override
  public String table() {
    return table;
  }

  @Override
  public synchronized void upsert(List<WindowedAggregate> rows) {
    requireOpen();
    sql.upsert(rows);
  }

  @Override
  public synchronized List<WindowedAggregate> rows() {
    requireOpen();
    return sql.rows();
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException(description + " is closed");
    }
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      closeQuietly();
    }
  }

  private void closeQuietly() {
    try {
      connection.close();
    } catch (SQLException ignored) {
      // every upsert has committed or rolled back already
    }
  }

  @Override
  public String toString() {
    return description;
  }

  /** Builds a {@link DuckDbAnalyticsSink}. Not thread-safe. */
  public static final class Builder {

    private final String url;
    private final String table;

    private Builder(String url, String table) {
      this.url = url;
      this.table = table;
    }

    /**
     * Opens the database and creates the table if it does not exist.
     *
     * @return the sink; close it
     * @throws AnalyticsSinkException if the file cannot be opened (for example another process
     *     holds it) or the table cannot be created
     */
    public DuckDbAnalyticsSink build() {
      return new DuckDbAnalyticsSink(url, table);
    }

    @Override
    public String toString() {
      return "DuckDbAnalyticsSink.Builder{" + url + ", " + table + '}';
    }
  }
}
