package dev.layerkit.test.servers;

/**
 * The kinds of server the test support provides, with the names a user types to choose one.
 *
 * <p>Immutable and thread-safe.
 */
enum ServerKind {
  REDIS("Redis", "LAYERKIT_TEST_REDIS", "redis://host:6379", 6379),
  POSTGRES(
      "PostgreSQL",
      "LAYERKIT_TEST_POSTGRES",
      "jdbc:postgresql://host:5432/test?user=postgres&password=secret",
      5432),
  KAFKA("Kafka", "LAYERKIT_TEST_KAFKA", "host1:9092,host2:9092"),
  MONGO("MongoDB", "LAYERKIT_TEST_MONGO", "mongodb://host:27017"),
  REDIS_CLUSTER("Redis Cluster", "LAYERKIT_TEST_REDIS_CLUSTER", "host1:7000,host2:7001,host3:7002");

  // Only Redis and PostgreSQL are looked for on loopback: DESIGN.md names no standard local Kafka,
  // MongoDB or Redis Cluster service, and a stray one on this machine is not ours to use.
  private static final int NO_LOOPBACK_SERVICE = -1;

  /** The only value of a {@code layerkit.test.<server>} property that changes anything. */
  static final String FORCE_EMBEDDED = "embedded";

  private final String displayName;
  private final String environmentVariable;
  private final String exampleUrl;
  private final int loopbackPort;

  ServerKind(String displayName, String environmentVariable, String exampleUrl) {
    this(displayName, environmentVariable, exampleUrl, NO_LOOPBACK_SERVICE);
  }

  ServerKind(String displayName, String environmentVariable, String exampleUrl, int loopbackPort) {
    this.displayName = displayName;
    this.environmentVariable = environmentVariable;
    this.exampleUrl = exampleUrl;
    this.loopbackPort = loopbackPort;
  }

  /** Returns the product name for messages, e.g. {@code PostgreSQL}. */
  String displayName() {
    return displayName;
  }

  /** Returns the variable that names an external server, e.g. {@code LAYERKIT_TEST_REDIS}. */
  String environmentVariable() {
    return environmentVariable;
  }

  /** Returns the property that can force the embedded server, e.g. {@code layerkit.test.redis}. */
  String systemProperty() {
    return "layerkit.test." + name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Returns whether a local service on a standard loopback port is looked for. */
  boolean hasLoopbackService() {
    return loopbackPort != NO_LOOPBACK_SERVICE;
  }

  /**
   * Returns the standard port of the local service.
   *
   * @throws IllegalStateException if this kind has no loopback service
   */
  int loopbackPort() {
    if (!hasLoopbackService()) {
      throw new IllegalStateException(displayName + " is not looked for on loopback");
    }
    return loopbackPort;
  }

  /** Returns an example value of {@link #environmentVariable()} for error messages. */
  String exampleUrl() {
    return exampleUrl;
  }
}
