package dev.layerkit.test.servers;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The extension hands test methods and lifecycle methods the servers {@link TestServers} shares. */
@LayerkitServers
class LayerkitServersIT {

  private static TestRedis fromBeforeAll;

  @BeforeAll
  static void takeRedis(TestRedis redis) {
    fromBeforeAll = redis;
  }

  @Test
  void resolvesARedisParameterToTheSharedServerThatAnswersPing(TestRedis redis) throws Exception {
    assertThat(redis).isSameAs(TestServers.redis()).isSameAs(fromBeforeAll);
    assertThat(RedisSupport.requirePong(RedisEndpoint.parse(redis.uri()),
        Duration.ofSeconds(5), Duration.ofSeconds(5))).isNotBlank();
  }

  @Test
  void resolvesAPostgresParameterToAServerThatAnswersSelectOne(TestPostgres postgres)
      throws Exception {
    assertThat(postgres).isSameAs(TestServers.postgres());
    PostgresSchema schema = postgres.createSchema("LayerkitServersIT");
    try (Connection connection = schema.connect();
        Statement statement = connection.createStatement();
        ResultSet one = statement.executeQuery("SELECT 1")) {
      assertThat(one.next()).isTrue();
      assertThat(one.getInt(1)).isEqualTo(1);
    }
  }
}
