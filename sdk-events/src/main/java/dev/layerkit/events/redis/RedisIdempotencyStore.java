package dev.layerkit.events.redis;

import dev.layerkit.core.internal.redis.RedisKeys;
import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.events.IdempotencyStore;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Duration;
import java.util.Objects;

/**
 * An {@link IdempotencyStore} in Redis, shared by every instance of a service: a claim is {@code
 * SET <prefix>{<id>} 1 NX PX <ttl>}, one atomic command, so that of any number of concurrent claims
 * of one id across processes exactly one succeeds; {@link #release} is {@code DEL}. Redis expires
 * the keys, so memory is bounded by the claims of one TTL. Each operation is a single command, so
 * the store needs no Lua script; keys follow the key rule of {@link dev.layerkit.core.redis}.
 *
 * <p>Failure: a Redis that is down or slow makes {@link #tryClaim} throw Lettuce's {@code
 * RedisException} after the connection's command timeout; a handler wrapped with {@link
 * #idempotent} then fails and is retried (and, after its retries, dead-lettered) rather than run
 * its effect without the check. Durability is Redis's: a failover to a replica that had not
 * received a claim can let one duplicate through; use {@code WAIT} or an effect-side unique key
 * where that matters.
 *
 * <p>Thread-safe; the connection may be shared with other users (every Layerkit Redis backend
 * takes the same one) and is not closed by the store.
 *
 * <pre>{@code
 * RedisClient client = RedisClient.create("redis://cache:6379");
 * StatefulRedisConnection<String, byte[]> redis = RedisConnections.connect(client);
 * IdempotencyStore store = RedisIdempotencyStore.create(redis, "billing:seen:");
 * subscriber.subscribe("orders", "billing",
 *     store.idempotent(event -> billing.charge(event.payload()), Duration.ofDays(7)));
 * }</pre>
 */
public final class RedisIdempotencyStore implements IdempotencyStore {

  private static final byte[] CLAIMED = {'1'};

  private final RedisClusterCommands<String, byte[]> commands;
  private final String keyPrefix;

  private RedisIdempotencyStore(RedisClusterCommands<String, byte[]> commands, String keyPrefix) {
    this.commands = commands;
    this.keyPrefix = keyPrefix;
  }

  /**
   * Returns a store whose keys are {@code keyPrefix + "{" + eventId + "}"}.
   *
   * @param connection a connection with Layerkit's codec ({@link RedisConnections#connect(
   *     io.lettuce.core.RedisClient)})
   * @param keyPrefix the prefix that keeps this store's keys apart, e.g. {@code billing:seen:}
   * @return the store
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code keyPrefix} is empty or contains a brace
   */
  public static RedisIdempotencyStore create(StatefulRedisConnection<String, byte[]> connection, String keyPrefix) {
    Objects.requireNonNull(connection, "connection");
    return new RedisIdempotencyStore(connection.sync(), checkPrefix(keyPrefix));
  }

  /**
   * Returns a store on a Redis Cluster; each claim goes to the node that owns its id's slot.
   *
   * @param connection a cluster connection with Layerkit's codec ({@link
   *     RedisConnections#connect(io.lettuce.core.cluster.RedisClusterClient)})
   * @param keyPrefix the prefix that keeps this store's keys apart
   * @return the store
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code keyPrefix} is empty or contains a brace
   */
  public static RedisIdempotencyStore create(StatefulRedisClusterConnection<String, byte[]> connection,
      String keyPrefix) {
    Objects.requireNonNull(connection, "connection");
    return new RedisIdempotencyStore(connection.sync(), checkPrefix(keyPrefix));
  }

  private static String checkPrefix(String keyPrefix) {
    RedisKeys.checkPrefix(keyPrefix);
    if (keyPrefix.isEmpty()) {
      throw new IllegalArgumentException("keyPrefix must not be empty but was ''");
    }
    return keyPrefix;
  }

  @Override
  public boolean tryClaim(String id, Duration ttl) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.toMillis() < 1) {
      throw new IllegalArgumentException("ttl must be >= 1 ms but was " + ttl);
    }
    return "OK".equals(commands.set(RedisKeys.key(keyPrefix, id), CLAIMED, SetArgs.Builder.nx().px(ttl.toMillis())));
  }

  @Override
  public void release(String id) {
    commands.del(RedisKeys.key(keyPrefix, Objects.requireNonNull(id, "id")));
  }

  @Override
  public String toString() {
    return "RedisIdempotencyStore{keyPrefix=" + keyPrefix + '}';
  }
}
