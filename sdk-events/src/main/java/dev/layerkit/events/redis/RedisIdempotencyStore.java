package dev.layerkit.events.redis;

import dev.layerkit.events.IdempotencyStore;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.Objects;

/**
 * An {@link IdempotencyStore} in Redis, shared by every instance of a service: a claim is {@code
 * SET <prefix><id> 1 NX PX <ttl>}, one atomic command, so that of any number of concurrent claims
 * of one id across processes exactly one succeeds; {@link #release} is {@code DEL}. Redis expires
 * the keys, so memory is bounded by the claims of one TTL.
 *
 * <p>Failure: a Redis that is down or slow makes {@link #tryClaim} throw Lettuce's {@code
 * RedisException} after the connection's command timeout; a handler wrapped with {@link
 * #idempotent} then fails and is retried (and, after its retries, dead-lettered) rather than run
 * its effect without the check. Durability is Redis's: a failover to a replica that had not
 * received a claim can let one duplicate through; use {@code WAIT} or an effect-side unique key
 * where that matters.
 *
 * <p>Thread-safe; the connection may be shared with other users and is not closed by the store.
 *
 * <pre>{@code
 * RedisClient client = RedisClient.create("redis://cache:6379");
 * IdempotencyStore store = RedisIdempotencyStore.create(client.connect(), "billing:seen:");
 * subscriber.subscribe("orders", "billing",
 *     store.idempotent(event -> billing.charge(event.payload()), Duration.ofDays(7)));
 * }</pre>
 */
public final class RedisIdempotencyStore implements IdempotencyStore {

  private final RedisCommands<String, String> commands;
  private final String keyPrefix;

  private RedisIdempotencyStore(StatefulRedisConnection<String, String> connection,
      String keyPrefix) {
    this.commands = connection.sync();
    this.keyPrefix = keyPrefix;
  }

  /**
   * Returns a store whose keys are {@code keyPrefix + eventId}.
   *
   * @param connection a Lettuce connection with string keys and values
   * @param keyPrefix the prefix that keeps this store's keys apart, e.g. {@code billing:seen:}
   * @return the store
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code keyPrefix} is empty
   */
  public static RedisIdempotencyStore create(
      StatefulRedisConnection<String, String> connection, String keyPrefix) {
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(keyPrefix, "keyPrefix");
    if (keyPrefix.isEmpty()) {
      throw new IllegalArgumentException("keyPrefix must not be empty but was ''");
    }
    return new RedisIdempotencyStore(connection, keyPrefix);
  }

  @Override
  public boolean tryClaim(String id, Duration ttl) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.toMillis() < 1) {
      throw new IllegalArgumentException("ttl must be >= 1 ms but was " + ttl);
    }
    return "OK".equals(commands.set(keyPrefix + id, "1", SetArgs.Builder.nx().px(ttl.toMillis())));
  }

  @Override
  public void release(String id) {
    commands.del(keyPrefix + Objects.requireNonNull(id, "id"));
  }

  @Override
  public String toString() {
    return "RedisIdempotencyStore{keyPrefix=" + keyPrefix + '}';
  }
}
