package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestMongo;
import dev.layerkit.test.servers.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The order scenario with {@code --backends=production} on real servers: PostgreSQL (four shard
 * tables), Redis (tiered cache, rate limiter) and Kafka (events), found by layerkit-core's
 * TestServers.
 */
class ProductionOrderSystemIT {

  @Test
  void theOrderScenarioRunsOnPostgresRedisAndKafka() throws Exception {
    PostgresSchema schema = TestServers.postgres().createSchema("orders_production");
    String jdbcUrl = schema.jdbcUrl() + (schema.jdbcUrl().contains("?") ? "&" : "?")
        + "user=" + schema.user() + (schema.password() == null ? "" : "&password=" + schema.password());
    String namespace = "it" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    OrderSystemOptions options = new OrderSystemOptions("production", 0, 0, 3,
        OrderSystemOptions.DEMO_API_KEY, 20, TestServers.redis().uri(),
        TestServers.kafka().bootstrapServers(), jdbcUrl, null, false);

    try (OrderSystem system = OrderSystem.start(options, namespace)) {
      assertThat(system.backendsKind()).contains("PostgreSQL");
      OrderClient client = new OrderClient(system.gatewayUri(), system.apiKey());
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        ids.add(client.placeOrder("c-11", List.of(new OrderClient.Line("sku-webcam", 1)), "p-" + i).id());
      }
      assertThat(client.placeOrder("c-11", List.of(new OrderClient.Line("sku-webcam", 1)), "p-2").id())
          .isEqualTo(ids.get(2));
      assertThatThrownBy(() -> client.placeOrder("c-11", List.of(new OrderClient.Line("sku-webcam", 2)), "p-2"))
          .isInstanceOfSatisfying(OrderClient.OrderApiException.class, e -> assertThat(e.status()).isEqualTo(422));

      long hits = system.cache().stats().hits();
      assertThat(client.order(ids.get(0))).isPresent();
      assertThat(client.order(ids.get(0))).isPresent();
      assertThat(system.cache().stats().hits()).isGreaterThan(hits);
      assertThat(client.customerOrders("c-11", 3, null)).hasSize(3);

      JsonNode dashboard = await().atMost(Duration.ofSeconds(60))
          .until(client::dashboard, body -> body.get("ordersPlaced").asLong() >= 4);
      assertThat(dashboard.get("ordersPlaced").asLong()).isEqualTo(4);

      int rows = 0;
      try (Connection connection = schema.connect(); Statement statement = connection.createStatement()) {
        for (int shard = 0; shard < OrderSystem.SHARDS; shard++) {
          try (ResultSet result = statement.executeQuery(
              "select count(*) from " + namespace + "_orders_" + shard)) {
            result.next();
            rows += result.getInt(1);
          }
        }
      }
      assertThat(rows).isEqualTo(4);
      // Each order's event went through the transactional outbox, and the relay marked it sent.
      try (Connection connection = schema.connect(); Statement statement = connection.createStatement();
          ResultSet result = statement.executeQuery("select count(*), count(sent_at) from "
              + namespace + "_outbox where topic = '" + namespace + ".orders'")) {
        result.next();
        assertThat(result.getInt(1)).isEqualTo(4);
        assertThat(result.getInt(2)).isEqualTo(4);
      }
      // Each key's response was stored in the order's transaction, beside it in PostgreSQL.
      try (Connection connection = schema.connect(); Statement statement = connection.createStatement();
          ResultSet result = statement.executeQuery("select count(*) from " + namespace
              + "_idempotency_keys where state = 'C' and response is not null")) {
        result.next();
        assertThat(result.getInt(1)).isEqualTo(4);
      }

      // The relay publishes the first order's event again, with its event id, as it does when it
      // dies between publishing and marking the row sent; then a fifth order and its status
      // change come after it on the same partition (one customer). Once the status change is
      // counted, every event before it was: five orders, not six.
      try (Connection connection = schema.connect(); Statement statement = connection.createStatement()) {
        assertThat(statement.executeUpdate("update " + namespace + "_outbox set sent_at = null where seq = "
            + "(select min(seq) from " + namespace + "_outbox)")).isEqualTo(1);
      }
      ids.add(client.placeOrder("c-11", List.of(new OrderClient.Line("sku-webcam", 1)), "p-4").id());
      client.updateStatus(ids.get(4), OrderStatus.PAID);
      try (Connection connection = schema.connect(); Statement statement = connection.createStatement()) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
          try (ResultSet result = statement.executeQuery("select count(*) from " + namespace
              + "_outbox where sent_at is null")) {
            result.next();
            return result.getInt(1) == 0;
          }
        });
      }
      JsonNode afterRepublish = await().atMost(Duration.ofSeconds(60))
          .until(client::dashboard, body -> body.get("statusChanges").asLong() >= 1);
      assertThat(afterRepublish.get("ordersPlaced").asLong()).isEqualTo(5);

      boolean limited = false;
      for (int i = 0; i < 400 && !limited; i++) {
        try {
          client.order(ids.get(1));
        } catch (OrderClient.OrderApiException e) {
          assertThat(e.status()).isEqualTo(429);
          limited = true;
        }
      }
      assertThat(limited).as("the Redis rate limiter answered 429").isTrue();
      // Its connection runs on the gateway's event loops: a decision completes on one of them
      // (Lettuce's own loops are named lettuce-*), or at once on the caller.
      String caller = Thread.currentThread().getName();
      List<String> completedOn = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        completedOn.add(system.rateLimiter().tryAcquireAsync("probe-" + i)
            .thenApply(decision -> Thread.currentThread().getName())
            .toCompletableFuture().get(10, TimeUnit.SECONDS));
      }
      assertThat(completedOn).as("the threads the limiter's decisions completed on")
          .allMatch(name -> name.startsWith("layerkit-gw-") || name.equals(caller))
          .anyMatch(name -> name.startsWith("layerkit-gw-"));
    }
  }

  /** On MongoDB through Testcontainers where Docker answers, else on the in-process mongo-java-server. */
  @Test
  void onMongoDbOrMongoJavaServerTheKeysAreInRedisAndARetryGetsTheStoredOrder() throws Exception {
    TestMongo mongo = TestServers.mongo();
    String namespace = "im" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    OrderSystemOptions options = new OrderSystemOptions("production", 0, 0, 2,
        OrderSystemOptions.DEMO_API_KEY, 20, TestServers.redis().uri(),
        TestServers.kafka().bootstrapServers(), null, mongo.connectionString(), false);

    RedisClient redis = RedisClient.create(TestServers.redis().uri());
    try (OrderSystem system = OrderSystem.start(options, namespace)) {
      assertThat(system.backendsKind()).as(mongo.description()).contains("MongoDB");
      OrderClient client = new OrderClient(system.gatewayUri(), system.apiKey());
      List<OrderClient.Line> lines = List.of(new OrderClient.Line("sku-dock", 1));

      String placed = client.placeOrder("c-12", lines, "m-1").id();
      String retried = client.placeOrder("c-12", lines, "m-1").id();

      assertThat(retried).isEqualTo(placed);
      assertThatThrownBy(() -> client.placeOrder("c-12", List.of(new OrderClient.Line("sku-dock", 2)), "m-1"))
          .isInstanceOfSatisfying(OrderClient.OrderApiException.class, e -> assertThat(e.status()).isEqualTo(422));
      assertThat(client.customerOrders("c-12", 10, null)).hasSize(1);
      try (StatefulRedisConnection<String, String> connection = redis.connect()) {
        assertThat(connection.sync().hget(namespace + ":idempotency:orders:{m-1}", "state")).isEqualTo("C");
      }
    } finally {
      redis.shutdown();
    }
  }

  @Test
  void unreachableServersFailTheStartNamingThem() {
    OrderSystemOptions options = new OrderSystemOptions("production", 0, 0, 1,
        OrderSystemOptions.DEMO_API_KEY, 20, "redis://127.0.0.1:1", "127.0.0.1:1",
        "jdbc:postgresql://127.0.0.1:1/none", null, false);

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> OrderSystem.start(options, "unreachable"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot reach Redis at redis://127.0.0.1:1");
  }
}
