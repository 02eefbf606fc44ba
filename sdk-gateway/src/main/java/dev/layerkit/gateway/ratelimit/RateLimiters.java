package dev.layerkit.gateway.ratelimit;

import dev.layerkit.gateway.ratelimit.redis.RedisRateLimiter;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;

/**
 * The entry point for {@link RateLimiter}s: one factory per backend, each returning a builder
 * whose {@code build()} returns the limiter.
 *
 * <table>
 *   <caption>Backends</caption>
 *   <tr><th>factory</th><th>limits</th><th>needs</th></tr>
 *   <tr><td>{@link #inMemory(RateLimitPolicy)}</td><td>per process; lock-free, allocation-free
 *       allowed decisions</td><td>nothing</td></tr>
 *   <tr><td>{@link #redis(RateLimitPolicy, StatefulRedisConnection)},
 *       {@link #redis(RateLimitPolicy, StatefulRedisClusterConnection)}</td><td>shared across
 *       processes; one Redis round trip per decision (concurrent decisions for one key share
 *       one script call), asynchronous with
 *       {@link RateLimiter#tryAcquireAsync(String, long)}</td><td>{@code io.lettuce:lettuce-core} on
 *       the class path</td></tr>
 * </table>
 *
 * <pre>{@code
 * RateLimiter limiter = RateLimiters.inMemory(RateLimitPolicy.of(Limit.perMinute(100)))
 *     .name("api")
 *     .build();
 * }</pre>
 */
public final class RateLimiters {

  private RateLimiters() {}

  /**
   * Starts an in-memory limiter: per-key token buckets in this process. With no further
   * settings, {@code build()} gives a limiter on the system clock holding at most
   * {@value InMemoryRateLimiterBuilder#DEFAULT_MAXIMUM_KEYS} keys, without metrics.
   *
   * @param policy the policy
   * @return a builder
   * @throws NullPointerException if {@code policy} is null
   */
  public static InMemoryRateLimiterBuilder inMemory(RateLimitPolicy policy) {
    return new InMemoryRateLimiterBuilder(policy);
  }

  /**
   * Starts a Redis limiter on a standalone (or sentinel-managed) connection, the same as
   * {@link RedisRateLimiter#builder(RateLimitPolicy, StatefulRedisConnection)}: see
   * {@link RedisRateLimiter} for the connection it needs, fail modes and timeouts.
   *
   * @param policy the policy
   * @param connection the connection with Layerkit's codec
   *     ({@code dev.layerkit.core.redis.RedisConnections}), owned by the caller
   * @return a builder
   * @throws NullPointerException if an argument is null
   */
  public static RedisRateLimiter.Builder redis(RateLimitPolicy policy,
      StatefulRedisConnection<String, byte[]> connection) {
    return RedisRateLimiter.builder(policy, connection);
  }

  /**
   * Starts a Redis limiter on a Redis Cluster connection, the same as
   * {@link RedisRateLimiter#builder(RateLimitPolicy, StatefulRedisClusterConnection)}.
   *
   * @param policy the policy
   * @param connection the cluster connection with Layerkit's codec, owned by the caller
   * @return a builder
   * @throws NullPointerException if an argument is null
   */
  public static RedisRateLimiter.Builder redis(RateLimitPolicy policy,
      StatefulRedisClusterConnection<String, byte[]> connection) {
    return RedisRateLimiter.builder(policy, connection);
  }
}
