package dev.layerkit.test.servers;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import redis.embedded.RedisServer;

/**
 * Finds or starts Redis for {@link TestServers}: the server named by {@code LAYERKIT_TEST_REDIS},
 * the one on 127.0.0.1:6379, or a {@code redis-server} from {@code
 * com.github.codemonstur:embedded-redis}.
 *
 * <p>A server counts as there only when it answers {@code PING}: a port that is open but asks for a
 * password we do not have is not a usable server. Stateless and thread-safe; each method blocks
 * for at most a few seconds.
 */
final class RedisSupport {

  private static final Duration LOOPBACK_READ_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration REMOTE_TIMEOUT = Duration.ofSeconds(5);
  private static final int EMBEDDED_START_TRIES = 3;

  private RedisSupport() {}

  /**
   * Uses the server named by {@code LAYERKIT_TEST_REDIS}.
   *
   * @param url the variable's value
   * @return the server
   * @throws ServerUnavailableException if it does not answer {@code PING}
   * @throws IllegalArgumentException if {@code url} is not a Redis URI
   */
  static TestRedis fromEnvironment(String url) throws ServerUnavailableException {
    RedisEndpoint endpoint = RedisEndpoint.parse(url);
    String version;
    if (endpoint.tls()) {
      // The probe speaks plain TCP only; for TLS, an open port is the best check without a client.
      Sockets.requireListening(endpoint.host(), endpoint.port(), REMOTE_TIMEOUT);
      version = "(TLS, version not read)";
    } else {
      version = requirePong(endpoint, REMOTE_TIMEOUT, REMOTE_TIMEOUT);
    }
    TestRedis redis = new TestRedis(url, endpoint.host(), endpoint.port(), ServerSource.ENVIRONMENT,
        "Redis " + version + " from " + ServerKind.REDIS.environmentVariable() + "=" + endpoint);
    removeKeysAtExit(redis, endpoint);
    return redis;
  }

  /**
   * Uses the server on 127.0.0.1:6379.
   *
   * @return the server
   * @throws ServerUnavailableException if nothing answers {@code PING} there without a password
   */
  static TestRedis loopback() throws ServerUnavailableException {
    RedisEndpoint endpoint =
        new RedisEndpoint(Sockets.LOOPBACK_HOST, ServerKind.REDIS.loopbackPort(), null, null, 0, false);
    String version = requirePong(endpoint, Sockets.LOOPBACK_PROBE_TIMEOUT, LOOPBACK_READ_TIMEOUT);
    TestRedis redis = new TestRedis(endpoint.toString(), endpoint.host(), endpoint.port(),
        ServerSource.LOOPBACK, "Redis " + version + ", loopback service on " + endpoint.host() + ':'
            + endpoint.port());
    removeKeysAtExit(redis, endpoint);
    return redis;
  }

  /**
   * Starts a {@code redis-server} on a free port of 127.0.0.1 that stops when the JVM exits.
   *
   * <p>It keeps nothing on disk. A start that fails (most likely because another process took the
   * port between our pick and its bind) is retried on a new port.
   *
   * @return the server
   * @throws IOException if the server would not start
   * @throws ServerUnavailableException if it started but does not answer {@code PING}
   */
  static TestRedis startEmbedded() throws IOException, ServerUnavailableException {
    IOException lastFailure = null;
    for (int attempt = 0; attempt < EMBEDDED_START_TRIES; attempt++) {
      int port = Sockets.freeLoopbackPort();
      RedisServer server = RedisServer.newRedisServer()
          .bind(Sockets.LOOPBACK_HOST)
          .port(port)
          .setting("save \"\"")
          .setting("appendonly no")
          .build();
      try {
        server.start();
      } catch (IOException e) {
        lastFailure = e;
        continue;
      }
      RedisEndpoint endpoint = new RedisEndpoint(Sockets.LOOPBACK_HOST, port, null, null, 0, false);
      ServerCloser.register("embedded Redis on " + endpoint, server::stop);
      String version = requirePong(endpoint, LOOPBACK_READ_TIMEOUT, LOOPBACK_READ_TIMEOUT);
      return new TestRedis(endpoint.toString(), endpoint.host(), port, ServerSource.EMBEDDED,
          "Redis " + version + ", embedded redis-server (com.github.codemonstur:embedded-redis) on "
              + endpoint.host() + ':' + port);
    }
    throw new IOException(
        "redis-server did not start in " + EMBEDDED_START_TRIES + " tries", lastFailure);
  }

  /** Logs in, checks PING and returns the server's version. */
  static String requirePong(
      RedisEndpoint endpoint, Duration connectTimeout, Duration readTimeout)
      throws ServerUnavailableException {
    Sockets.requireListening(endpoint.host(), endpoint.port(), connectTimeout);
    try (RespClient client = connectAndLogIn(endpoint, readTimeout)) {
      Object pong = client.call("PING");
      if (!"PONG".equals(pong)) {
        throw new ServerUnavailableException(endpoint + " answered PING with " + pong);
      }
      return versionFrom(client.call("INFO", "server"));
    } catch (IOException e) {
      throw new ServerUnavailableException(endpoint + " does not answer PING: " + e.getMessage());
    }
  }

  private static RespClient connectAndLogIn(RedisEndpoint endpoint, Duration timeout)
      throws IOException {
    RespClient client = RespClient.connect(endpoint.host(), endpoint.port(), timeout);
    try {
      String password = endpoint.password();
      if (password != null) {
        String user = endpoint.user();
        if (user == null) {
          client.call("AUTH", password);
        } else {
          client.call("AUTH", user, password);
        }
      }
      if (endpoint.database() != 0) {
        client.call("SELECT", Integer.toString(endpoint.database()));
      }
      return client;
    } catch (IOException | RuntimeException e) {
      client.close();
      throw e;
    }
  }

  static String versionFrom(@Nullable Object info) {
    if (info instanceof String) {
      for (String line : ((String) info).split("\r?\n")) {
        if (line.startsWith("redis_version:")) {
          return line.substring("redis_version:".length()).strip();
        }
      }
    }
    return "(unknown version)";
  }

  /**
   * On a server shared with others, removes at JVM exit the keys under the prefixes this JVM
   * handed out, since nobody else knows they are garbage. Best effort: a server already gone is
   * ignored.
   */
  private static void removeKeysAtExit(TestRedis redis, RedisEndpoint endpoint) {
    if (endpoint.tls()) {
      return;
    }
    ServerCloser.register("Redis test keys on " + endpoint,
        () -> removeKeys(endpoint, redis.keyPrefixes()));
  }

  private static void removeKeys(RedisEndpoint endpoint, Set<String> prefixes) throws IOException {
    if (prefixes.isEmpty()) {
      return;
    }
    try (RespClient client = connectAndLogIn(endpoint, REMOTE_TIMEOUT)) {
      for (String prefix : prefixes) {
        // Prefixes hold no glob characters (see Namespaces), so MATCH needs no escaping.
        String cursor = "0";
        do {
          List<?> reply = (List<?>) client.call("SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000");
          cursor = String.valueOf(reply.get(0));
          List<?> keys = (List<?>) reply.get(1);
          if (!keys.isEmpty()) {
            List<String> command = new ArrayList<>();
            command.add("DEL");
            keys.forEach(key -> command.add(String.valueOf(key)));
            client.call(command.toArray(String[]::new));
          }
        } while (!cursor.equals("0"));
      }
    }
  }
}
