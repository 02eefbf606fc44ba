package dev.layerkit.test.servers;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Starts real servers in containers through Testcontainers, the first way {@link TestServers}
 * tries where a Docker engine answers (after an environment URL, which is the user's explicit
 * choice).
 *
 * <p>Where no engine answers, the normal case on CI machines, every method fails with {@link
 * ServerUnavailableException} within milliseconds and logs nothing: {@link DockerProbe} decides
 * that before Testcontainers, whose own check is slower and logs an error, is asked. Where
 * Testcontainers or the container module is not on the class path (each is an optional dependency
 * of {@code layerkit-test-support}), the method fails the same way and names the artifact to add.
 * A container stops when the JVM exits. Stateless and thread-safe; a start blocks until the
 * server answers, which may take a minute on the first use of an image (the pull).
 */
final class ContainerSupport {

  /** The Redis image. */
  static final String REDIS_IMAGE = "redis:7.4";

  /** The PostgreSQL image. */
  static final String POSTGRES_IMAGE = "postgres:17";

  /** The Kafka image (KRaft, one node). */
  static final String KAFKA_IMAGE = "apache/kafka:4.1.1";

  /** The MongoDB image. */
  static final String MONGODB_IMAGE = "mongo:8.0";

  private static final int REDIS_PORT = 6379;
  private static final int POSTGRES_LOGIN_TIMEOUT_SECONDS = 10;

  private ContainerSupport() {}

  /**
   * Starts Redis in a container.
   *
   * @param environment the process environment, for the Docker check
   * @return the server
   * @throws Exception if there is no Docker engine or Testcontainers ({@link
   *     ServerUnavailableException}), or the container does not start
   */
  static TestRedis startRedis(Lookup environment) throws Exception {
    return start(environment, "org.testcontainers:testcontainers", () -> {
      GenericContainer<?> container =
          new GenericContainer<>(DockerImageName.parse(REDIS_IMAGE)).withExposedPorts(REDIS_PORT);
      container.start();
      ServerCloser.register("Redis container " + container.getContainerId(), container::stop);
      String host = container.getHost();
      int port = container.getMappedPort(REDIS_PORT);
      return new TestRedis("redis://" + host + ':' + port, host, port, ServerSource.TESTCONTAINERS,
          "Redis (" + REDIS_IMAGE + ") in a Testcontainers container at " + host + ':' + port);
    });
  }

  /**
   * Starts PostgreSQL in a container, with a database {@code test}.
   *
   * @param environment the process environment, for the Docker check
   * @return the server
   * @throws Exception if there is no Docker engine or Testcontainers ({@link
   *     ServerUnavailableException}), or the container does not start
   */
  static TestPostgres startPostgres(Lookup environment) throws Exception {
    return start(environment, "org.testcontainers:testcontainers-postgresql", () -> {
      PostgreSQLContainer container = new PostgreSQLContainer(DockerImageName.parse(POSTGRES_IMAGE))
          .withDatabaseName(PostgresSupport.LOOPBACK_DATABASE);
      container.start();
      ServerCloser.register("PostgreSQL container " + container.getContainerId(), container::stop);
      PostgresUrl url = PostgresUrl.parse(container.getJdbcUrl()
          + (container.getJdbcUrl().contains("?") ? '&' : '?') + "user=" + container.getUsername()
          + "&password=" + container.getPassword());
      String version = PostgresSupport.requireSelectOne(
          url, container.getUsername(), POSTGRES_LOGIN_TIMEOUT_SECONDS);
      return new TestPostgres(url, container.getUsername(), ServerSource.TESTCONTAINERS,
          "PostgreSQL " + version + " (" + POSTGRES_IMAGE + ") in a Testcontainers container, "
              + url.jdbcUrl());
    });
  }

  /**
   * Starts a one-node Kafka in a container.
   *
   * @param environment the process environment, for the Docker check
   * @return the cluster
   * @throws Exception if there is no Docker engine or Testcontainers ({@link
   *     ServerUnavailableException}), or the container does not start
   */
  static TestKafka startKafka(Lookup environment) throws Exception {
    return start(environment, "org.testcontainers:testcontainers-kafka", () -> {
      KafkaContainer container = new KafkaContainer(DockerImageName.parse(KAFKA_IMAGE));
      container.start();
      ServerCloser.register("Kafka container " + container.getContainerId(), container::stop);
      return KafkaSupport.external(container.getBootstrapServers(), ServerSource.TESTCONTAINERS,
          "Kafka (" + KAFKA_IMAGE + ") in a Testcontainers container at "
              + container.getBootstrapServers());
    });
  }

  /**
   * Runs {@code start} once a Docker engine is known to answer.
   *
   * @param environment the process environment
   * @param artifact the Testcontainers artifact that {@code start} needs, for the message when it
   *     is missing
   * @param start starts the container
   * @param <T> the server handle
   * @return what {@code start} returned
   * @throws ServerUnavailableException if no engine answers or the artifact is missing
   * @throws Exception what {@code start} threw
   */
  static <T> T start(Lookup environment, String artifact, Callable<T> start) throws Exception {
    return start(environment, Path.of(System.getProperty("user.home")), DockerProbe.SYSTEM_SOCKET,
        artifact, start);
  }

  /** {@link #start(Lookup, String, Callable)} with the places to look for Docker given, for tests. */
  static <T> T start(Lookup environment, Path home, Path systemSocket, String artifact,
      Callable<T> start) throws Exception {
    String hint = DockerProbe.requireDockerHint(environment, home, systemSocket);
    try {
      if (!DockerClientFactory.instance().isDockerAvailable()) {
        throw new ServerUnavailableException(
            "Testcontainers found no working Docker engine (" + hint + " pointed at one)");
      }
      return start.call();
    } catch (NoClassDefFoundError e) {
      // A missing optional dependency: the next way (loopback, embedded) may still work.
      throw new ServerUnavailableException("Testcontainers is not on the test class path (add "
          + artifact + ") though " + hint + " points at Docker");
    }
  }
}
