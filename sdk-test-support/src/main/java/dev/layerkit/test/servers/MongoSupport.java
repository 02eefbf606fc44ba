package dev.layerkit.test.servers;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.testcontainers.mongodb.MongoDBContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Finds or starts a MongoDB-compatible server for {@link TestServers}: the server named by {@code
 * LAYERKIT_TEST_MONGO}, MongoDB in a Testcontainers container where a Docker engine answers, or
 * else mongo-java-server in this JVM.
 *
 * <p>Stateless and thread-safe. The container start may take a minute on first use (image pull);
 * the other paths take milliseconds.
 */
final class MongoSupport {

  /** The MongoDB image run under Testcontainers. */
  static final String MONGODB_IMAGE = ContainerSupport.MONGODB_IMAGE;

  private static final int DEFAULT_PORT = 27017;
  private static final Duration ENVIRONMENT_PROBE_TIMEOUT = Duration.ofSeconds(5);

  private MongoSupport() {}

  /**
   * Uses the server named by {@code LAYERKIT_TEST_MONGO}, after checking that its first host
   * accepts connections ({@code mongodb+srv://} names are used unchecked).
   *
   * @param connectionString the variable's value
   * @return the server, taken to be MongoDB
   * @throws ServerUnavailableException if the first host refuses connections
   * @throws IllegalArgumentException if {@code connectionString} does not start with {@code
   *     mongodb://} or {@code mongodb+srv://}
   */
  static TestMongo fromEnvironment(String connectionString) throws ServerUnavailableException {
    String hosts = hostsOf(connectionString);
    if (connectionString.startsWith("mongodb://")) {
      String first = hosts.split(",")[0];
      int colon = first.lastIndexOf(':');
      boolean hasPort = colon > first.lastIndexOf(']');
      String host = hasPort ? first.substring(0, colon) : first;
      int port = hasPort ? Integer.parseInt(first.substring(colon + 1)) : DEFAULT_PORT;
      Sockets.requireListening(host.replace("[", "").replace("]", ""), port,
          ENVIRONMENT_PROBE_TIMEOUT);
    }
    return new TestMongo(connectionString, ServerSource.ENVIRONMENT, TestMongo.Kind.MONGODB,
        "MongoDB at " + hosts + " from " + ServerKind.MONGO.environmentVariable());
  }

  /**
   * Starts MongoDB in a container; it stops when the JVM exits.
   *
   * @param environment the process environment, for the Docker check
   * @return the server
   * @throws ServerUnavailableException if no Docker engine answers, decided without Testcontainers
   *     when nothing points at one so that case is quick and logs nothing; or if Testcontainers is
   *     not on the class path
   * @throws Exception if the container does not start
   */
  static TestMongo startContainer(Lookup environment) throws Exception {
    return ContainerSupport.start(environment, "org.testcontainers:testcontainers-mongodb", () -> {
      MongoDBContainer container = new MongoDBContainer(DockerImageName.parse(MONGODB_IMAGE));
      container.start();
      ServerCloser.register("MongoDB container " + container.getContainerId(), container::stop);
      return new TestMongo(container.getConnectionString(), ServerSource.TESTCONTAINERS,
          TestMongo.Kind.MONGODB, "MongoDB (" + MONGODB_IMAGE + ") in a Testcontainers container at "
              + container.getConnectionString());
    });
  }

  /**
   * Starts mongo-java-server with its in-memory backend on a free port of 127.0.0.1; it stops when
   * the JVM exits.
   *
   * @param whyNotMongoDb why no real MongoDB is used, for the description
   * @return the server
   */
  static TestMongo startInProcess(String whyNotMongoDb) {
    MongoServer server = new MongoServer(new MemoryBackend());
    server.bind(Sockets.LOOPBACK_HOST, 0);
    ServerCloser.register("mongo-java-server", server::shutdownNow);
    InetSocketAddress address = server.getLocalAddress();
    String connectionString = "mongodb://" + Sockets.LOOPBACK_HOST + ':' + address.getPort();
    return new TestMongo(connectionString, ServerSource.EMBEDDED, TestMongo.Kind.MONGO_JAVA_SERVER,
        "mongo-java-server (de.bwaldvogel, in-process, wire-compatible, not MongoDB) at "
            + connectionString + "; " + whyNotMongoDb);
  }

  /** Returns the host list of a connection string, without credentials, database or options. */
  static String hostsOf(String connectionString) {
    String rest;
    if (connectionString.startsWith("mongodb://")) {
      rest = connectionString.substring("mongodb://".length());
    } else if (connectionString.startsWith("mongodb+srv://")) {
      rest = connectionString.substring("mongodb+srv://".length());
    } else {
      int scheme = connectionString.indexOf("://");
      throw new IllegalArgumentException(
          "MongoDB connection string must start with mongodb:// or mongodb+srv:// but starts with '"
              + (scheme < 0 ? "" : connectionString.substring(0, scheme + 3)) + "'");
    }
    int end = rest.length();
    for (char stop : new char[] {'/', '?'}) {
      int index = rest.indexOf(stop);
      if (index >= 0 && index < end) {
        end = index;
      }
    }
    String authority = rest.substring(0, end);
    return authority.substring(authority.lastIndexOf('@') + 1);
  }
}
