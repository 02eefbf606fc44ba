package dev.layerkit.events.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.events.IdempotencyStore;
import dev.layerkit.test.events.IdempotencyStoreContract;
import dev.layerkit.test.servers.TestRedis;
import dev.layerkit.test.servers.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@link IdempotencyStoreContract} on {@link RedisIdempotencyStore} against {@link
 * TestServers#redis()}; TTLs run on the server's clock, so {@link #passTime} does nothing and the
 * expiry test waits for Redis.
 */
class RedisIdempotencyStoreIT extends IdempotencyStoreContract {

  private static TestRedis redis;
  private static RedisClient client;
  private static StatefulRedisConnection<String, byte[]> connection;

  @BeforeAll
  static void connect() {
    redis = TestServers.redis();
    client = RedisClient.create(redis.uri());
    connection = RedisConnections.connect(client);
  }

  @AfterAll
  static void disconnect() {
    connection.close();
    client.shutdown();
  }

  @Override
  protected IdempotencyStore newStore() {
    return RedisIdempotencyStore.create(connection, redis.newKeyPrefix("idempotency"));
  }

  @Override
  protected void passTime(Duration duration) {
    // Redis expires keys on its own clock.
  }

  @Test
  void claimsFollowTheKeyRuleWithTheIdAsHashTag() {
    String prefix = redis.newKeyPrefix("idempotency-keys");
    RedisIdempotencyStore.create(connection, prefix).tryClaim("event-1", Duration.ofMinutes(1));

    assertThat(connection.sync().exists(prefix + "{event-1}")).isEqualTo(1);
  }

  @Test
  void createRejectsAPrefixWithABrace() {
    assertThatThrownBy(() -> RedisIdempotencyStore.create(connection, "{x}:"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("braces");
  }

  @Test
  void createRejectsAnEmptyPrefix() {
    assertThatThrownBy(() -> RedisIdempotencyStore.create(connection, ""))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keyPrefix");
  }
}
