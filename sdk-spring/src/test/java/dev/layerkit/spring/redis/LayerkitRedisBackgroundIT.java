package dev.layerkit.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthStatus;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

/**
 * {@link LayerkitRedis#connectInBackground(String)} against a port where a private redis-server
 * (never the shared one) starts only after the connection object was made.
 */
class LayerkitRedisBackgroundIT {

  private RedisServer server;
  private LayerkitRedis redis;

  @AfterEach
  void stop() throws IOException {
    if (redis != null) {
      redis.close();
    }
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void commandsFailFastUntilRedisAnswersThenTheSameObjectsReachIt() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    redis = LayerkitRedis.connectInBackground("redis://127.0.0.1:" + port);
    StatefulRedisConnection<String, byte[]> connection = redis.connection();
    RedisAsyncCommands<String, byte[]> async = connection.async();

    assertThat(redis.isConnected()).isFalse();
    assertThat(connection.isOpen()).isFalse();
    RedisFuture<String> failed = async.ping();
    assertThat(failed.isDone()).as("fails at once, no timeout to wait for").isTrue();
    assertThatThrownBy(() -> failed.get(1, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(RedisConnectionException.class)
        .hasMessageContaining("Redis (127.0.0.1:" + port + ") is not connected yet");
    assertThatThrownBy(() -> connection.sync().ping()).isInstanceOf(RedisConnectionException.class);
    Health down = redis.healthCheck().check();
    assertThat(down.status()).isEqualTo(HealthStatus.DOWN);
    assertThat(String.valueOf(down.details())).contains("127.0.0.1:" + port);

    server = RedisServer.newRedisServer().port(port).bind("127.0.0.1").build();
    server.start();

    await().atMost(Duration.ofSeconds(30)).until(redis::isConnected);
    assertThat(async.ping().get(10, TimeUnit.SECONDS)).as("the object taken before connecting").isEqualTo("PONG");
    assertThat(connection.sync().set("k", new byte[] {7})).isEqualTo("OK");
    assertThat(async.get("k").get(10, TimeUnit.SECONDS)).containsExactly(7);
    assertThat(redis.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
  }

  @Test
  void closingBeforeRedisAnswersStopsConnecting() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    redis = LayerkitRedis.connectInBackground("redis://127.0.0.1:" + port);
    redis.close();
    server = RedisServer.newRedisServer().port(port).bind("127.0.0.1").build();
    server.start();
    // Closing shut the retry thread down: nothing is left that could connect later.
    await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
        .noneMatch(thread -> thread.getName().equals("layerkit-redis-connect") && thread.isAlive()));
    assertThat(redis.isConnected()).isFalse();
  }
}
