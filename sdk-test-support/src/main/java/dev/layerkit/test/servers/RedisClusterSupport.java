package dev.layerkit.test.servers;

import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import redis.embedded.RedisServer;

/**
 * Finds or starts a Redis Cluster for {@link TestServers}: the one named by {@code
 * LAYERKIT_TEST_REDIS_CLUSTER}, or three embedded {@code redis-server} masters from {@code
 * com.github.codemonstur:embedded-redis} joined into a cluster with plain commands, so no {@code
 * redis-cli} is needed.
 *
 * <p>Stateless and thread-safe; starting the embedded cluster blocks for at most about 30 s.
 */
final class RedisClusterSupport {

  /** Masters of the embedded cluster: the fewest for which a cluster is not a single node. */
  static final int EMBEDDED_MASTERS = 3;

  /**
   * Redis 6.2, the version embedded-redis ships, always puts a node's cluster bus on its port plus
   * 10000; there is no {@code cluster-port} setting before Redis 7.
   */
  private static final int BUS_PORT_OFFSET = 10_000;

  private static final int MAX_PORT = 65_535;
  private static final int PORT_PICKS = 50;
  private static final int NODE_START_TRIES = 3;
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration FORMATION_BOUND = Duration.ofSeconds(30);

  private RedisClusterSupport() {}

  /**
   * Uses the cluster named by {@code LAYERKIT_TEST_REDIS_CLUSTER}.
   *
   * @param seeds the variable's value: comma-separated {@code host:port} pairs
   * @return the cluster
   * @throws ServerUnavailableException if the seeds do not answer as a cluster whose state is ok
   * @throws IllegalArgumentException if {@code seeds} is not a list of {@code host:port}
   */
  static TestRedisCluster fromEnvironment(String seeds) throws ServerUnavailableException {
    List<String> uris = RedisClusterLayout.parseSeeds(seeds);
    String version;
    RedisClusterClient client = client(uris);
    try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
      RedisAdvancedClusterCommands<String, String> sync = connection.sync();
      String info = sync.clusterInfo();
      if (!info.contains("cluster_state:ok")) {
        throw new ServerUnavailableException(
            "the cluster at " + uris + " is not ready: " + firstLine(info, "cluster_state:"));
      }
      version = RedisSupport.versionFrom(sync.info("server"));
    } catch (RedisException e) {
      throw new ServerUnavailableException(
          "no Redis Cluster answers at " + uris + ": " + e.getMessage());
    } finally {
      client.shutdown();
    }
    TestRedisCluster cluster = new TestRedisCluster(uris, ServerSource.ENVIRONMENT,
        "Redis Cluster " + version + " from " + ServerKind.REDIS_CLUSTER.environmentVariable() + "="
            + String.join(",", uris));
    // Shared with others: the keys under the prefixes this JVM handed out are garbage nobody else
    // knows about. Best effort, like the single server's clean-up.
    ServerCloser.register("Redis Cluster test keys on " + uris,
        () -> removeKeys(uris, cluster.keyPrefixes()));
    return cluster;
  }

  /**
   * Starts three {@code redis-server} masters on free ports of 127.0.0.1, gives each a third of
   * the hash slots, joins them and waits until every node reports {@code cluster_state:ok}.
   *
   * <p>The nodes keep their {@code nodes-<port>.conf} in a fresh temporary directory, removed with
   * them when the JVM exits; they persist no data.
   *
   * @return the cluster
   * @throws IOException if a node would not start or a formation command failed
   */
  static TestRedisCluster startEmbedded() throws IOException {
    Path dir = Files.createTempDirectory("layerkit-redis-cluster");
    // Registered first so that it runs last, after every node has stopped writing there.
    ServerCloser.register("Redis Cluster directory " + dir, () -> deleteTree(dir));
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < EMBEDDED_MASTERS; i++) {
      ports.add(startNode(dir));
    }
    int[][] ranges = RedisClusterLayout.slotRanges(EMBEDDED_MASTERS);
    for (int i = 0; i < EMBEDDED_MASTERS; i++) {
      List<String> command = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
      for (int slot = ranges[i][0]; slot <= ranges[i][1]; slot++) {
        command.add(Integer.toString(slot));
      }
      call(ports.get(i), command.toArray(String[]::new));
    }
    // One node meeting the others is enough: gossip tells the others about each other.
    for (int i = 1; i < EMBEDDED_MASTERS; i++) {
      call(ports.get(0), "CLUSTER", "MEET", Sockets.LOOPBACK_HOST, Integer.toString(ports.get(i)));
    }
    await("cluster_state:ok on every node of " + ports)
        .atMost(FORMATION_BOUND)
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptions()
        .until(() -> allReady(ports));
    String version = RedisSupport.versionFrom(call(ports.get(0), "INFO", "server"));
    List<String> seeds = ports.stream()
        .map(port -> "redis://" + Sockets.LOOPBACK_HOST + ':' + port)
        .collect(Collectors.toList());
    return new TestRedisCluster(seeds, ServerSource.EMBEDDED,
        "Redis Cluster " + version + " of " + EMBEDDED_MASTERS + " embedded masters "
            + "(com.github.codemonstur:embedded-redis) on " + ports.stream()
                .map(port -> Sockets.LOOPBACK_HOST + ':' + port)
                .collect(Collectors.joining(", ")));
  }

  /** Starts one cluster-enabled node and returns its port; retries on a new port if it fails. */
  private static int startNode(Path dir) throws IOException {
    IOException lastFailure = null;
    for (int attempt = 0; attempt < NODE_START_TRIES; attempt++) {
      int port = freeClusterPort();
      RedisServer server = RedisServer.newRedisServer()
          .bind(Sockets.LOOPBACK_HOST)
          .port(port)
          .setting("cluster-enabled yes")
          .setting("cluster-config-file nodes-" + port + ".conf")
          .setting("cluster-node-timeout 5000")
          .setting("dir \"" + dir + "\"")
          .setting("save \"\"")
          .setting("appendonly no")
          .build();
      try {
        server.start();
      } catch (IOException e) {
        lastFailure = e;
        continue;
      }
      ServerCloser.register("embedded Redis Cluster node on 127.0.0.1:" + port, server::stop);
      return port;
    }
    throw new IOException(
        "cluster redis-server did not start in " + NODE_START_TRIES + " tries", lastFailure);
  }

  /**
   * Returns a free loopback port whose bus port (port + 10000) is free and in range too, since a
   * node binds both.
   */
  private static int freeClusterPort() throws IOException {
    for (int pick = 0; pick < PORT_PICKS; pick++) {
      int port = Sockets.freeLoopbackPort();
      if (port + BUS_PORT_OFFSET <= MAX_PORT && isFree(port + BUS_PORT_OFFSET)) {
        return port;
      }
    }
    throw new IOException("no free loopback port with a free bus port in " + PORT_PICKS + " picks");
  }

  private static boolean isFree(int port) {
    try {
      new ServerSocket(port, 1, InetAddress.getByName(Sockets.LOOPBACK_HOST)).close();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean allReady(List<Integer> ports) throws IOException {
    for (int port : ports) {
      Object info = call(port, "CLUSTER", "INFO");
      if (!(info instanceof String) || !((String) info).contains("cluster_state:ok")) {
        return false;
      }
    }
    return true;
  }

  private static @Nullable Object call(int port, String... command) throws IOException {
    try (RespClient client = RespClient.connect(Sockets.LOOPBACK_HOST, port, COMMAND_TIMEOUT)) {
      return client.call(command);
    }
  }

  private static RedisClusterClient client(List<String> uris) {
    return RedisClusterClient.create(uris.stream().map(RedisURI::create).collect(Collectors.toList()));
  }

  private static void removeKeys(List<String> uris, Set<String> prefixes) {
    if (prefixes.isEmpty()) {
      return;
    }
    RedisClusterClient client = client(uris);
    try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
      RedisAdvancedClusterCommands<String, String> sync = connection.sync();
      for (String prefix : prefixes) {
        // KEYS runs on every master here; prefixes hold no glob characters (see Namespaces).
        List<String> keys = sync.keys(prefix + "*");
        if (!keys.isEmpty()) {
          // DEL of keys in many slots is split per slot by the cluster client.
          sync.del(keys.toArray(String[]::new));
        }
      }
    } finally {
      client.shutdown();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.deleteIfExists(path);
      }
    }
  }

  private static String firstLine(String text, String prefix) {
    return text.lines().filter(line -> line.startsWith(prefix)).findFirst().orElse(text.strip());
  }
}
