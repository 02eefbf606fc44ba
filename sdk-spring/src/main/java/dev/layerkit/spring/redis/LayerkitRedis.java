package dev.layerkit.spring.redis;

import dev.layerkit.core.redis.RedisConnections;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis connections Layerkit's backends share in a Spring application: one command connection
 * with Layerkit's codec ({@link RedisConnections#CODEC}) and, made on first use, one pub/sub
 * connection for tiered caches' invalidation messages.
 *
 * <p>Define a bean of this type to choose the connection yourself; the starter then backs off.
 * Thread-safe. {@link #close()} closes the connections, and the client too when this object owns
 * it (one made from {@code layerkit.redis.url}), never an application's client.
 */
public final class LayerkitRedis implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LayerkitRedis.class);

  private final RedisClient client;
  private final boolean ownsClient;
  private final StatefulRedisConnection<String, byte[]> connection;
  private @Nullable StatefulRedisPubSubConnection<String, byte[]> pubSub;

  private LayerkitRedis(RedisClient client, boolean ownsClient) {
    this.client = client;
    this.ownsClient = ownsClient;
    this.connection = RedisConnections.connect(client);
  }

  /**
   * Connects with an application's client, which stays the application's.
   *
   * @param client the client
   * @return the connections
   * @throws NullPointerException if {@code client} is null
   * @throws io.lettuce.core.RedisConnectionException if Redis cannot be reached
   */
  public static LayerkitRedis connect(RedisClient client) {
    return new LayerkitRedis(Objects.requireNonNull(client, "client"), false);
  }

  /**
   * Creates a client for {@code uri} and connects; {@link #close()} shuts the client down.
   *
   * @param uri a Redis URI such as {@code redis://localhost:6379}
   * @return the connections
   * @throws NullPointerException if {@code uri} is null
   * @throws IllegalArgumentException if {@code uri} is not a Redis URI
   * @throws io.lettuce.core.RedisConnectionException if Redis cannot be reached
   */
  public static LayerkitRedis connect(String uri) {
    RedisClient client = RedisClient.create(Objects.requireNonNull(uri, "uri"));
    try {
      return new LayerkitRedis(client, true);
    } catch (RuntimeException e) {
      client.shutdown();
      throw e;
    }
  }

  /**
   * Returns the shared command connection.
   *
   * @return the connection, owned by this object
   */
  public StatefulRedisConnection<String, byte[]> connection() {
    return connection;
  }

  /**
   * Returns the shared pub/sub connection, connecting on the first call.
   *
   * @return the pub/sub connection, owned by this object
   * @throws io.lettuce.core.RedisConnectionException if Redis cannot be reached
   */
  public synchronized StatefulRedisPubSubConnection<String, byte[]> pubSub() {
    if (pubSub == null) {
      pubSub = RedisConnections.connectPubSub(client);
    }
    return pubSub;
  }

  /** Closes the connections (and the client if owned). Never throws. */
  @Override
  public synchronized void close() {
    try {
      if (pubSub != null) {
        pubSub.close();
      }
      connection.close();
    } catch (RuntimeException e) {
      LOG.warn("Closing Layerkit's Redis connections failed", e);
    }
    if (ownsClient) {
      client.shutdown();
    }
  }

  @Override
  public String toString() {
    return "LayerkitRedis{" + client + (ownsClient ? ", owned" : "") + '}';
  }
}
