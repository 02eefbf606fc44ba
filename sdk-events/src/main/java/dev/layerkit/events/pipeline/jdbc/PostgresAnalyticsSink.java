package dev.layerkit.events.pipeline.jdbc;

import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.events.pipeline.AnalyticsSink;
import dev.layerkit.events.pipeline.CheckpointStore;
import dev.layerkit.events.pipeline.internal.JdbcAnalyticsTable;
import dev.layerkit.events.pipeline.internal.SinkTables;
import dev.layerkit.events.stream.WindowedAggregate;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * An {@link AnalyticsSink} in a PostgreSQL table. Needs {@code org.postgresql:postgresql}.
 *
 * <p>Each call takes a connection from the {@link DataSource} (give a pooled one, such as
 * HikariCP's, with {@link #builder(DataSource, String)}; {@link #builder(String, String)} opens a
 * connection per call, which suits batch jobs that upsert every few thousand records) and gives
 * it back. Each {@link #upsert} is one transaction: after a crash the table holds whole upserts
 * only.
 *
 * <p>Thread-safe: upserts of one sink are serialized, so that two batches with the same window
 * and key never race.
 */
public final class PostgresAnalyticsSink implements AnalyticsSink {

  private final String description;
  private final String table;
  private final JdbcAnalyticsTable sql;

  private PostgresAnalyticsSink(String description, String table, DataSource dataSource) {
    this.description = description;
    this.table = table;
    this.sql = new JdbcAnalyticsTable(description, table, "DOUBLE PRECISION", "BYTEA",
        new JdbcAnalyticsTable.Connections() {
          @Override
          public Connection get() throws SQLException {
            return dataSource.getConnection();
          }

          @Override
          public void release(Connection connection) throws SQLException {
            connection.close();
          }
        });
  }

  /**
   * Returns a builder of a sink writing {@code table} in the database at {@code jdbcUrl}.
   *
   * @param jdbcUrl a {@code jdbc:postgresql:} URL
   * @param table the table: a letter or {@code _}, then letters, digits or {@code _}, at most 51
   * @return a builder
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code jdbcUrl} is not a PostgreSQL URL or {@code table}
   *     is not a valid name
   */
  public static Builder builder(String jdbcUrl, String table) {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("jdbcUrl must start with jdbc:postgresql: but was '"
          + jdbcUrl + "'");
    }
    return new Builder(jdbcUrl, null, SinkTables.checkName(table));
  }

  /**
   * Returns a builder of a sink writing {@code table} through a data source.
   *
   * @param dataSource the data source, for example a HikariCP pool; not closed by the sink
   * @param table the table
   * @return a builder
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code table} is not a valid name
   */
  public static Builder builder(DataSource dataSource, String table) {
    return new Builder(null, Objects.requireNonNull(dataSource, "dataSource"),
        SinkTables.checkName(table));
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
    return sql.checkpoints();
  }

  @Override
  public String table() {
    return table;
  }

  @Override
  public synchronized void upsert(List<WindowedAggregate> rows) {
    sql.upsert(rows);
  }

  @Override
  public List<WindowedAggregate> rows() {
    return sql.rows();
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return description;
  }

  /** Builds a {@link PostgresAnalyticsSink}. Each setting may be given once. Not thread-safe. */
  public static final class Builder {

    private final BuilderSettings settings = new BuilderSettings();
    private final @Nullable String jdbcUrl;
    private final @Nullable DataSource dataSource;
    private final String table;
    private @Nullable String user;
    private @Nullable String password;

    private Builder(@Nullable String jdbcUrl, @Nullable DataSource dataSource, String table) {
      this.jdbcUrl = jdbcUrl;
      this.dataSource = dataSource;
      this.table = table;
    }

    /**
     * Sets the user of a URL-built sink.
     *
     * @param user the user
     * @return this builder
     * @throws NullPointerException if {@code user} is null
     * @throws IllegalStateException if already set, or the sink is built from a data source
     */
    public Builder user(String user) {
      requireUrl("user");
      settings.requireUnset("user", this.user);
      this.user = Objects.requireNonNull(user, "user");
      return this;
    }

    /**
     * Sets the password of a URL-built sink.
     *
     * @param password the password
     * @return this builder
     * @throws NullPointerException if {@code password} is null
     * @throws IllegalStateException if already set, or the sink is built from a data source
     */
    public Builder password(String password) {
      requireUrl("password");
      settings.requireUnset("password", this.password == null ? null : "****");
      this.password = Objects.requireNonNull(password, "password");
      return this;
    }

    private void requireUrl(String setting) {
      if (jdbcUrl == null) {
        throw new IllegalStateException(setting + " cannot be set on a sink built from a"
            + " DataSource: configure the DataSource instead");
      }
    }

    /**
     * Connects, creates the table if it does not exist, and returns the sink.
     *
     * @return the sink
     * @throws dev.layerkit.events.pipeline.AnalyticsSinkException if the database cannot be
     *     reached or the table cannot be created
     */
    public PostgresAnalyticsSink build() {
      DataSource ds = dataSource;
      String where;
      if (ds == null) {
        PGSimpleDataSource simple = new PGSimpleDataSource();
        simple.setURL(Objects.requireNonNull(jdbcUrl));
        if (user != null) {
          simple.setUser(user);
        }
        if (password != null) {
          simple.setPassword(password);
        }
        ds = simple;
        where = jdbcUrl;
      } else {
        where = ds.toString();
      }
      return new PostgresAnalyticsSink("PostgresAnalyticsSink{" + where + ", " + table + '}',
          table, ds);
    }
  }
}
