package dev.layerkit.core.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.redis.RedisConnections;
import dev.layerkit.test.servers.TestRedis;
import dev.layerkit.test.servers.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link RedisScript} on a real Redis. Each test runs a script no server has seen (a random
 * comment makes its SHA new), so the first call meets {@code NOSCRIPT} without flushing the shared
 * server's script cache.
 */
class RedisScriptIT {

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
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }

  private static RedisScript<Long> newIncrementScript() {
    return RedisScript.of("-- " + UUID.randomUUID() + "\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])",
        ScriptOutputType.INTEGER);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void syncRunLoadsAnUnknownScriptOnceThenRunsItBySha() {
    RedisScript<Long> script = newIncrementScript();
    String[] key = {RedisKeys.key(redis.newKeyPrefix("script-sync"), "n")};
    assertThat(connection.sync().scriptExists(script.sha())).containsExactly(false);

    assertThat(script.run(connection.sync(), key, bytes("2"))).isEqualTo(2L);

    assertThat(connection.sync().scriptExists(script.sha()))
        .as("EVAL cached the script under the SHA this class computed").containsExactly(true);
    assertThat(script.run(connection.sync(), key, bytes("3"))).isEqualTo(5L);
  }

  @Test
  void asyncRunLoadsAnUnknownScriptOnceThenRunsItBySha() throws Exception {
    RedisScript<Long> script = newIncrementScript();
    String[] key = {RedisKeys.key(redis.newKeyPrefix("script-async"), "n")};

    assertThat(script.runAsync(connection.async(), key, bytes("4")).get(10, TimeUnit.SECONDS)).isEqualTo(4L);

    assertThat(connection.sync().scriptExists(script.sha())).containsExactly(true);
    assertThat(script.runAsync(connection.async(), key, bytes("1")).get(10, TimeUnit.SECONDS)).isEqualTo(5L);
  }

  @Test
  void loadMakesTheServerKnowTheScriptBeforeTheFirstRun() throws Exception {
    RedisScript<Long> script = newIncrementScript();

    assertThat(script.load(connection.async()).toCompletableFuture().get(10, TimeUnit.SECONDS)).isEqualTo(script.sha());

    assertThat(connection.sync().scriptExists(script.sha())).containsExactly(true);
  }

  @Test
  void aScriptErrorFailsTheFutureWithRedisError() {
    RedisScript<Long> script = RedisScript.of("-- " + UUID.randomUUID() + "\nreturn redis.error_reply('boom')",
        ScriptOutputType.INTEGER);

    assertThatThrownBy(() -> script.runAsync(connection.async(), new String[0]).get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(RedisCommandExecutionException.class)
        .hasMessageContaining("boom");
    assertThatThrownBy(() -> script.run(connection.sync(), new String[0]))
        .isInstanceOf(RedisCommandExecutionException.class).hasMessageContaining("boom");
  }
}
