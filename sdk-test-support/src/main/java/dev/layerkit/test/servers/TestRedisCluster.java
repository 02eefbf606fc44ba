package dev.layerkit.test.servers;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A running Redis Cluster for tests, from {@link TestServers#redisCluster()}.
 *
 * <p>Tests share the cluster and keep apart by key prefix, as on {@link TestRedis}: each test
 * takes its own from {@link #newKeyPrefix(String)} and touches only keys under it. On a cluster
 * this JVM did not start, the keys under the prefixes handed out are removed when the JVM exits.
 *
 * <pre>{@code
 * TestRedisCluster cluster = TestServers.redisCluster();
 * RedisClusterClient client = RedisClusterClient.create(
 *     cluster.seeds().stream().map(RedisURI::create).toList());
 * String prefix = cluster.newKeyPrefix("rate-limiter");
 * }</pre>
 *
 * <p>Thread-safe and immutable, but for the set of prefixes handed out.
 */
public final class TestRedisCluster {

  private final List<String> seeds;
  private final ServerSource source;
  private final String description;
  private final Set<String> keyPrefixes = ConcurrentHashMap.newKeySet();

  TestRedisCluster(List<String> seeds, ServerSource source, String description) {
    this.seeds = List.copyOf(seeds);
    this.source = Objects.requireNonNull(source, "source");
    this.description = Objects.requireNonNull(description, "description");
  }

  /**
   * Returns the URIs of the cluster's seed nodes in Lettuce's form, {@code redis://host:port}, for
   * {@code RedisURI.create}; for a cluster this JVM started, one per master.
   *
   * @return the seeds, never empty
   */
  public List<String> seeds() {
    return seeds;
  }

  /**
   * Returns where the cluster came from: {@link ServerSource#ENVIRONMENT} or {@link
   * ServerSource#EMBEDDED}.
   *
   * @return the source
   */
  public ServerSource source() {
    return source;
  }

  /**
   * Returns what the cluster is, for test reports, e.g. "Redis Cluster 6.2.6 of 3 embedded
   * masters on 127.0.0.1:41231, 127.0.0.1:38817, 127.0.0.1:45003".
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
   * <p>The prefix holds no braces, so it does not pin keys to one hash slot: keys under it spread
   * over the cluster's nodes unless the caller adds a hash tag.
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
