package dev.layerkit.test.servers;

import java.util.Objects;

/**
 * A running MongoDB-compatible server for tests, from {@link TestServers#mongo()}.
 *
 * <p>Without Docker the server is <b>mongo-java-server</b>, an in-process server that speaks the
 * MongoDB wire protocol but is not MongoDB: {@link #kind()} says which one a test got, and {@link
 * #description()} says so in words for test reports. It serves {@code mongodb-driver-sync} CRUD,
 * indexes and common aggregation stages; a test of a feature it lacks (multi-document transactions,
 * change streams) checks {@link #kind()} first, and fails rather than skips.
 *
 * <p>Tests share the server and keep apart by database: each takes its own name from {@link
 * #newDatabaseName(String)}; nothing shared is dropped.
 *
 * <pre>{@code
 * TestMongo mongo = TestServers.mongo();
 * try (MongoClient client = MongoClients.create(mongo.connectionString())) {
 *   MongoDatabase db = client.getDatabase(mongo.newDatabaseName("orders"));
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class TestMongo {

  /** What answers on the connection string. */
  public enum Kind {

    /** A real MongoDB server: from {@code LAYERKIT_TEST_MONGO} or a Testcontainers container. */
    MONGODB,

    /**
     * {@code de.bwaldvogel:mongo-java-server} with its in-memory backend, inside this JVM:
     * wire-compatible for the common driver operations, not MongoDB.
     */
    MONGO_JAVA_SERVER
  }

  private final String connectionString;
  private final ServerSource source;
  private final Kind kind;
  private final String description;

  TestMongo(String connectionString, ServerSource source, Kind kind, String description) {
    this.connectionString = Objects.requireNonNull(connectionString, "connectionString");
    this.source = Objects.requireNonNull(source, "source");
    this.kind = Objects.requireNonNull(kind, "kind");
    this.description = Objects.requireNonNull(description, "description");
  }

  /**
   * Returns the connection string for {@code MongoClients.create}.
   *
   * @return e.g. {@code mongodb://127.0.0.1:40211}
   */
  public String connectionString() {
    return connectionString;
  }

  /**
   * Returns where the server came from: {@link ServerSource#ENVIRONMENT}, {@link
   * ServerSource#TESTCONTAINERS} or {@link ServerSource#EMBEDDED} (mongo-java-server).
   *
   * @return the source
   */
  public ServerSource source() {
    return source;
  }

  /**
   * Returns whether the server is MongoDB or the in-process mongo-java-server.
   *
   * @return the kind
   */
  public Kind kind() {
    return kind;
  }

  /**
   * Returns what the server is, for test reports, e.g. "mongo-java-server (in-process,
   * wire-compatible, not MongoDB) on 127.0.0.1:40211; Testcontainers not used: no Docker engine".
   *
   * @return the description
   */
  public String description() {
    return description;
  }

  /**
   * Returns a database name no other test, in this JVM or another, has: {@code
   * lk_test_<testName>_<12 hex digits>}, at most 63 characters.
   *
   * <p>Cheap and thread-safe. MongoDB creates the database on first write.
   *
   * @param testName what the database is for; lower-cased, characters other than {@code [a-z0-9_]}
   *     become {@code _}
   * @return the name
   * @throws NullPointerException if {@code testName} is null
   * @throws IllegalArgumentException if {@code testName} is blank
   */
  public String newDatabaseName(String testName) {
    return Namespaces.identifier(testName);
  }

  @Override
  public String toString() {
    return description;
  }
}
