package dev.layerkit.test.servers;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A running Redis server for tests, from {@link TestServers#redis()}.
 *
 * <p>Tests share the server and keep apart by key prefix: each test takes its own from {@link
 * #newKeyPrefix(String)} and touches only keys under it, never {@code FLUSHALL} or {@code
 * FLUSHDB}. On a server this JVM did not start, the keys under the prefixes handed out are removed
 * when the JVM exits.
 *
 * <pre>{@code
 * TestRedis redis = TestServers.redis();
 * RedisClient client = RedisClient.create(redis.uri());
 * String prefix = redis.newKeyPrefix("rate-limiter");   // lk-test:rate-limiter:3f9a0c41d2e7:
 * }</pre>
 *
 * <p>Thread-safe and immutable, but for the set of prefixes handed out.
 */
public final class TestRedis {

  private final String uri;
  private final String host;
  private final int port;
  private final ServerSource source;
  private final String description;
  private final Set<String> keyPrefixes = ConcurrentHashMap.newKeySet();

  TestRedis(String uri, String host, int port, ServerSource source, String description) {
    this.uri = Objects.requireNonNull(uri, "uri");
    this.host = Objects.requireNonNull(host, "host");
    this.port = port;
    this.source = Objects.requireNonNull(source, "source");
    this.description = Objects.requireNonNull(description, "description");
  }

  /**
   * Returns the server's URI in Lettuce's form, {@code redis://host:port}, with credentials and
   * database when {@code LAYERKIT_TEST_REDIS} gave them.
   *
   * @return the URI
   */
  public String uri() {
    return uri;
  }

  /**
   * Returns the server's host name or address.
   *
   * @return the host
   */
  public String host() {
    return host;
  }

  /**
   * Returns the server's port.
   *
   * @return the port
   */
  public int port() {
    return port;
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
   * Returns what the server is, for test reports, e.g. "Redis 7.0.15, loopback service on
   * 127.0.0.1:6379".
   *
   * @return the description
   */
  public String description() {
    return description;
  }

  /**
   * Returns a key prefix no other test, in this JVM or another, has: {@code
   * lk-test:<testName>:<12 hex digits>:}.
   *
   * <p>Cheap and thread-safe; call it once per test.
   *
   * @param testName what the keys are for; characters other than letters, digits, {@code .},
   *     {@code _} and {@code -} become {@code -}
   * @return the prefix, ending in a colon
   * @throws NullPointerException if {@code testName} is null
   * @throws IllegalArgumentException if {@code testName} is blank
   */
  public String newKeyPrefix(String testName) {
    String prefix = Namespaces.redisKeyPrefix(testName);
    keyPrefixes.add(prefix);
    return prefix;
  }

  /** Returns a live view of the prefixes handed out, for the clean-up at JVM exit. */
  Set<String> keyPrefixes() {
    return keyPrefixes;
  }

  @Override
  public String toString() {
    return description;
  }
}
