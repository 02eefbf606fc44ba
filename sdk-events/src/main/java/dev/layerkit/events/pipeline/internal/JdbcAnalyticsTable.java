package dev.layerkit.events.pipeline.internal;

import dev.layerkit.events.pipeline.AnalyticsSinkException;
import dev.layerkit.events.pipeline.CheckpointStore;
import dev.layerkit.events.stream.WindowedAggregate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The SQL both JDBC analytics sinks (DuckDB and PostgreSQL) share: the table, and the upsert
 * {@code INSERT ... ON CONFLICT (window_start, group_key) DO UPDATE}, which both databases speak.
 * Window bounds are {@code TIMESTAMP} in UTC, so the table reads naturally in SQL; values are
 * 64-bit floats, so a row reads back exactly as it was written.
 *
 * <p>Not thread-safe: the sinks call it under their own lock.
 */
public final class JdbcAnalyticsTable {

  /** The connection a call uses, and whether the sink keeps it open afterwards. */
  public interface Connections {
    /**
     * Returns a connection.
     *
     * @return the connection
     * @throws SQLException if none can be had
     */
    Connection get() throws SQLException;

    /**
     * Gives a connection back.
     *
     * @param connection the connection
     * @throws SQLException if closing fails
     */
    void release(Connection connection) throws SQLException;
  }

  private final String sinkName;
  private final String table;
  private final String upsert;
  private final String create;
  private final Connections connections;
  private final String checkpointTable;

  /**
   * Creates the table if needed.
   *
   * @param sinkName the sink's description, for errors
   * @param table the table, already checked by {@link SinkTables#checkName}
   * @param doubleType the SQL type of a 64-bit float
   * @param bytesType the SQL type of a byte string
   * @param connections where connections come from
   * @throws AnalyticsSinkException if the table cannot be created
   */
  public JdbcAnalyticsTable(String sinkName, String table, String doubleType, String bytesType,
      Connections connections) {
    this.sinkName = sinkName;
    this.table = table;
    this.connections = connections;
    this.create = "CREATE TABLE IF NOT EXISTS " + table + " (window_start TIMESTAMP NOT NULL,"
        + " window_end TIMESTAMP NOT NULL, group_key VARCHAR NOT NULL,"
        + " event_count BIGINT NOT NULL, value_sum " + doubleType + " NOT NULL,"
        + " value_min " + doubleType + " NOT NULL, value_max " + doubleType + " NOT NULL,"
        + " PRIMARY KEY (window_start, group_key))";
    this.upsert = "INSERT INTO " + table + " (window_start, window_end, group_key, event_count,"
        + " value_sum, value_min, value_max) VALUES (?, ?, ?, ?, ?, ?, ?)"
        + " ON CONFLICT (window_start, group_key) DO UPDATE SET window_end = excluded.window_end,"
        + " event_count = excluded.event_count, value_sum = excluded.value_sum,"
        + " value_min = excluded.value_min, value_max = excluded.value_max";
    this.checkpointTable = table + "_checkpoints";
    String createCheckpoints = "CREATE TABLE IF NOT EXISTS " + checkpointTable
        + " (pipeline VARCHAR PRIMARY KEY, state " + bytesType + " NOT NULL)";
    run("create table", c -> {
      try (Statement s = c.createStatement()) {
        s.execute(create);
        s.execute(createCheckpoints);
      }
      return null;
    });
  }

  /**
   * Returns the checkpoint store kept beside the table, in {@code <table>_checkpoints}: the
   * sink's high-water mark, in the warehouse itself.
   *
   * @return the store
   */
  public CheckpointStore checkpoints() {
    return new CheckpointStore() {
      @Override
      public Optional<byte[]> load(String pipeline) {
        return run("load checkpoint of " + pipeline, c -> {
          try (PreparedStatement s = c.prepareStatement(
              "SELECT state FROM " + checkpointTable + " WHERE pipeline = ?")) {
            s.setString(1, pipeline);
            try (ResultSet rs = s.executeQuery()) {
              return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.<byte[]>empty();
            }
          }
        });
      }

      @Override
      public void save(String pipeline, byte[] checkpoint) {
        run("save checkpoint of " + pipeline, c -> {
          try (PreparedStatement s = c.prepareStatement("INSERT INTO " + checkpointTable
              + " (pipeline, state) VALUES (?, ?) ON CONFLICT (pipeline) DO UPDATE"
              + " SET state = excluded.state")) {
            s.setString(1, pipeline);
            s.setBytes(2, checkpoint);
            s.executeUpdate();
          }
          return null;
        });
      }

      @Override
      public void delete(String pipeline) {
        run("delete checkpoint of " + pipeline, c -> {
          try (PreparedStatement s = c.prepareStatement(
              "DELETE FROM " + checkpointTable + " WHERE pipeline = ?")) {
            s.setString(1, pipeline);
            s.executeUpdate();
          }
          return null;
        });
      }

      @Override
      public String toString() {
        return sinkName + ".checkpoints()";
      }
    };
  }

  private interface Work<R> {
    R run(Connection c) throws SQLException;
  }

  private <R> R run(String what, Work<R> work) {
    Connection c = null;
    try {
      c = connections.get();
      return work.run(c);
    } catch (SQLException e) {
      throw new AnalyticsSinkException(sinkName + ": " + what + " on table " + table + " failed: "
          + e.getMessage(), e);
    } finally {
      if (c != null) {
        try {
          connections.release(c);
        } catch (SQLException ignored) {
          // the work's outcome stands; a failed close loses nothing written
        }
      }
    }
  }

  /**
   * Upserts rows in one transaction.
   *
   * @param rows the rows
   * @throws AnalyticsSinkException if the database fails; the transaction is rolled back
   */
  public void upsert(List<WindowedAggregate> rows) {
    Objects.requireNonNull(rows, "rows");
    Map<String, WindowedAggregate> batch = new LinkedHashMap<>();
    for (WindowedAggregate row : rows) {
      Objects.requireNonNull(row, "rows contains null");
      batch.put(row.windowStart().toEpochMilli() + "/" + row.key(), row);
    }
    if (batch.isEmpty()) {
      return;
    }
    run("upsert of " + batch.size() + " rows", c -> {
      c.setAutoCommit(false);
      try (PreparedStatement s = c.prepareStatement(upsert)) {
        for (WindowedAggregate row : batch.values()) {
          s.setObject(1, utc(row.windowStart()));
          s.setObject(2, utc(row.windowEnd()));
          s.setString(3, row.key());
          s.setLong(4, row.count());
          s.setDouble(5, row.sum());
          s.setDouble(6, row.min());
          s.setDouble(7, row.max());
          s.addBatch();
        }
        s.executeBatch();
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
      return null;
    });
  }

  /**
   * Reads the table ordered by window start, then key.
   *
   * @return the rows
   * @throws AnalyticsSinkException if the database fails
   */
  public List<WindowedAggregate> rows() {
    return run("read", c -> {
      List<WindowedAggregate> rows = new ArrayList<>();
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
          "SELECT window_start, window_end, group_key, event_count, value_sum, value_min,"
              + " value_max FROM " + table + " ORDER BY window_start, group_key")) {
        while (rs.next()) {
          rows.add(new WindowedAggregate(rs.getString(3),
              rs.getObject(1, LocalDateTime.class).toInstant(ZoneOffset.UTC),
              rs.getObject(2, LocalDateTime.class).toInstant(ZoneOffset.UTC), rs.getLong(4),
              rs.getDouble(5), rs.getDouble(6), rs.getDouble(7)));
        }
      }
      return rows;
    });
  }

  private static LocalDateTime utc(Instant instant) {
    return LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
  }
}
