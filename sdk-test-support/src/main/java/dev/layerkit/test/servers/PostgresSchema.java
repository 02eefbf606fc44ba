package dev.layerkit.test.servers;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A schema of its own for one test, made by {@link TestPostgres#createSchema(String)}.
 *
 * <p>{@link #jdbcUrl()} sets {@code currentSchema}, so unqualified table names land in this schema
 * and a pool or repository under test needs no schema setting of its own. Immutable and
 * thread-safe.
 *
 * @param name the schema's name, an unquoted lower-case identifier such as {@code
 *     lk_test_orders_3f9a0c41d2e7}
 * @param jdbcUrl a JDBC URL whose connections use this schema first
 * @param user the user to log in as
 * @param password the password, or null when the server needs none (trust authentication)
 */
public record PostgresSchema(String name, String jdbcUrl, String user, @Nullable String password) {

  /**
   * Creates the record.
   *
   * @param name the schema's name
   * @param jdbcUrl a JDBC URL whose connections use this schema first
   * @param user the user to log in as
   * @param password the password, or null when the server needs none
   * @throws NullPointerException if {@code name}, {@code jdbcUrl} or {@code user} is null
   */
  public PostgresSchema {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    Objects.requireNonNull(user, "user");
  }

  /**
   * Opens a new connection whose search path starts with this schema.
   *
   * <p>The caller closes it. Thread-safe.
   *
   * @return the connection
   * @throws SQLException if the server refuses it
   */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl, user, password);
  }

  @Override
  public String toString() {
    // Never the password: records print into assertion messages and logs.
    return "PostgresSchema[name=" + name + ", jdbcUrl=" + jdbcUrl + ", user=" + user + "]";
  }
}
