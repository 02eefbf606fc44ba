package dev.layerkit.test.servers;

/**
 * Where a test server handed out by {@link TestServers} came from.
 *
 * <p>Test names and reports can state it, so a green run says which kind of server it proved a
 * backend against. Immutable and thread-safe, like every enum.
 */
public enum ServerSource {

  /** The URL in a {@code LAYERKIT_TEST_*} environment variable; nothing was started. */
  ENVIRONMENT,

  /** A service that already answered on its standard loopback port (6379, 5432). */
  LOOPBACK,

  /** A real container started through Testcontainers on a Docker engine that answered. */
  TESTCONTAINERS,

  /**
   * A server started by this JVM: a real server process (Redis, PostgreSQL), an in-JVM Kafka
   * cluster, or, for MongoDB, the in-process mongo-java-server (see {@link TestMongo#kind()}).
   */
  EMBEDDED
}
