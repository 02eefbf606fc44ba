package dev.layerkit.core.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.Objects;

/**
 * Opens the connections every Layerkit Redis backend takes: {@code String} keys (UTF-8) and
 * {@code byte[]} values, {@link #CODEC}. One connection serves every backend of an application;
 * Lettuce multiplexes concurrent callers over it.
 *
 * <p>Each method is Lettuce's {@code connect} (or {@code connectPubSub}) with {@link #CODEC}: it
 * blocks until the connection is up and throws Lettuce's {@code RedisConnectionException} if the
 * server cannot be reached. The connection belongs to the caller, who closes it after the
 * backends that use it.
 *
 * <pre>{@code
 * RedisClient client = RedisClient.create("redis://localhost:6379");
 * StatefulRedisConnection<String, byte[]> redis = RedisConnections.connect(client);
 * }</pre>
 */
public final class RedisConnections {

  /**
   * The codec of every connection a Layerkit Redis backend takes: UTF-8 {@code String} keys,
   * {@code byte[]} values. Thread-safe.
   */
  public static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

  private RedisConnections() {}

  /**
   * Connects to a standalone (or Sentinel-managed) Redis with {@link #CODEC}.
   *
   * @param client the client, created with the server's URI
   * @return a new connection, owned by the caller
   * @throws NullPointerException if {@code client} is null
   * @throws io.lettuce.core.RedisConnectionException if the server cannot be reached
   */
  public static StatefulRedisConnection<String, byte[]> connect(RedisClient client) {
    return Objects.requireNonNull(client, "client").connect(CODEC);
  }

  /**
   * Connects to a Redis Cluster with {@link #CODEC}.
   *
   * @param client the cluster client, created with seed URIs
   * @return a new connection, owned by the caller
   * @throws NullPointerException if {@code client} is null
   * @throws io.lettuce.core.RedisConnectionException if no seed can be reached
   */
  public static StatefulRedisClusterConnection<String, byte[]> connect(RedisClusterClient client) {
    return Objects.requireNonNull(client, "client").connect(CODEC);
  }

  /**
   * Opens a pub/sub connection with {@link #CODEC}, for a tiered cache's invalidations or a
   * service registry's watchers.
   *
   * @param client the client
   * @return a new pub/sub connection, owned by the caller
   * @throws NullPointerException if {@code client} is null
   * @throws io.lettuce.core.RedisConnectionException if the server cannot be reached
   */
  public static StatefulRedisPubSubConnection<String, byte[]> connectPubSub(RedisClient client) {
    return Objects.requireNonNull(client, "client").connectPubSub(CODEC);
  }

  /**
   * Opens a pub/sub connection to a Redis Cluster with {@link #CODEC}; classic pub/sub messages
   * reach it from any node.
   *
   * @param client the cluster client
   * @return a new pub/sub connection, owned by the caller
   * @throws NullPointerException if {@code client} is null
   * @throws io.lettuce.core.RedisConnectionException if no seed can be reached
   */
  public static StatefulRedisClusterPubSubConnection<String, byte[]> connectPubSub(RedisClusterClient client) {
    return Objects.requireNonNull(client, "client").connectPubSub(CODEC);
  }
}
