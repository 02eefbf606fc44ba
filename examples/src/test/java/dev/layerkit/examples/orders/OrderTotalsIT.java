package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.Event;
import dev.layerkit.events.kafka.KafkaEventPublisher;
import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * The subscriber role ({@code --role=subscriber}) on real PostgreSQL and Kafka: each order event is
 * applied once to the order totals however often it arrives, the role serves them and is ready, and
 * two instances share the topic's partitions in one group.
 */
class OrderTotalsIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static String jdbcUrl(PostgresSchema schema) {
    return schema.jdbcUrl() + (schema.jdbcUrl().contains("?") ? "&" : "?") + "user=" + schema.user()
        + (schema.password() == null ? "" : "&password=" + schema.password());
  }

  private static String namespace() {
    return "ot" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
  }

  private static OrderSystemOptions subscriberOptions(String jdbcUrl, String instance) {
    return new OrderSystemOptions("production", 0, 0, 1, OrderSystemOptions.DEMO_API_KEY, 20, null,
        TestServers.kafka().bootstrapServers(), jdbcUrl, null, false, Duration.ofSeconds(10), "127.0.0.1", 0,
        1_000_000, PlaceOrderSaga.DEFAULT_LEASE, instance);
  }

  private static OrderSystem startSubscriber(String jdbcUrl, String namespace, String instance) {
    return OrderSystem.start(subscriberOptions(jdbcUrl, instance), namespace, OrderSystem.Role.SUBSCRIBER,
        RemoteServices.at(List.of()));
  }

  private static OrderEvent placed(String order, String customer, long cents) {
    return new OrderEvent(OrderEvent.PLACED, order, customer, OrderStatus.PLACED, cents, 1L);
  }

  @Test
  void aRepublishedEventIsAppliedOnceAndTheRoleServesTheTotalsAndIsReady() throws Exception {
    PostgresSchema schema = TestServers.postgres().createSchema("order_totals");
    String namespace = namespace();
    try (OrderSystem system = startSubscriber(jdbcUrl(schema), namespace, "totals-1");
        KafkaEventPublisher<OrderEvent> publisher = KafkaEventPublisher
            .builder(TestServers.kafka().bootstrapServers(), Codecs.json(OrderEvent.class)).build()) {
      String topic = OrderTotalsSubscriber.topic(namespace);
      Instant now = Instant.now();
      // One customer, so one partition and this order: the outbox relay's republish of an event
      // (same id) after a crash, a cancellation delivered twice, a change the totals ignore.
      List<Map.Entry<String, OrderEvent>> events = List.of(
          Map.entry("e-1", placed("o-1", "c-7", 1500)),
          Map.entry("e-1", placed("o-1", "c-7", 1500)),
          Map.entry("e-2", placed("o-2", "c-7", 2500)),
          Map.entry("e-3", new OrderEvent(OrderEvent.STATUS_CHANGED, "o-1", "c-7", OrderStatus.CANCELLED, 1500, 2L)),
          Map.entry("e-3", new OrderEvent(OrderEvent.STATUS_CHANGED, "o-1", "c-7", OrderStatus.CANCELLED, 1500, 2L)),
          Map.entry("e-4", new OrderEvent(OrderEvent.STATUS_CHANGED, "o-2", "c-7", OrderStatus.PAID, 2500, 3L)),
          Map.entry("e-5", placed("o-3", "c-7", 1000)));
      for (Map.Entry<String, OrderEvent> event : events) {
        publisher.publishWithId(event.getKey(), now, topic, "c-7", event.getValue(), Map.of()).get();
      }

      OrderTotals totals = system.subscriber().totals();
      // e-5 is the partition's last event: once it is applied, every one before it was handled.
      await().atMost(Duration.ofSeconds(60)).until(() -> totals.customer("c-7")
          .map(c -> c.orders() == 3).orElse(false));

      assertThat(totals.customer("c-7")).contains(new OrderTotals.CustomerTotals("c-7", 3, 5000, 1, 1500));
      assertThat(totals.summary().eventsApplied()).as("e-1, e-2, e-3 and e-5, each once").isEqualTo(4);
      HttpClient http = HttpClient.newHttpClient();
      JsonNode served = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + system.subscriber().port() + "/totals/customers/c-7")).build(), HttpResponse.BodyHandlers.ofString()).body());
      assertThat(served.path("orders").asLong()).isEqualTo(3);
      assertThat(served.path("totalCents").asLong()).isEqualTo(5000);
      assertThat(served.path("cancelled").asLong()).isEqualTo(1);
      assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + system.subscriber().port()
          + "/totals/customers/nobody")).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
      assertThat(http.send(HttpRequest.newBuilder(system.adminUri().resolve("/health/ready")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
      String metrics = http.send(HttpRequest.newBuilder(system.adminUri().resolve("/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertThat(metrics).as("the group's lag, as the dashboard and alerts read it")
          .contains("layerkit_events_consumer_lag").contains(OrderTotalsSubscriber.group(namespace));
    }
  }

  @Test
  void eightThreadsApplyingOneEventAtOnceApplyItOnce() throws Exception {
    PostgresSchema schema = TestServers.postgres().createSchema("order_totals_race");
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl(schema));
    config.setMaximumPoolSize(8);
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try (HikariDataSource dataSource = new HikariDataSource(config)) {
      OrderTotals totals = new OrderTotals(dataSource, namespace());
      Event<OrderEvent> event = new Event<>("e-race", "t", "c-9", Instant.now(), Map.of(), placed("o-9", "c-9", 700),
          0, 0);
      List<Callable<Boolean>> appliers = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        appliers.add(() -> totals.apply(event)); // as pods of a rebalancing group may
      }
      long applied = 0;
      for (Future<Boolean> result : threads.invokeAll(appliers)) {
        applied += result.get() ? 1 : 0;
      }

      assertThat(applied).isEqualTo(1);
      assertThat(totals.customer("c-9")).contains(new OrderTotals.CustomerTotals("c-9", 1, 700, 0, 0));
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void twoInstancesShareThePartitionsOfOneGroupAndApplyEachEventOnce() throws Exception {
    PostgresSchema schema = TestServers.postgres().createSchema("order_totals_group");
    String namespace = namespace();
    try (OrderSystem first = startSubscriber(jdbcUrl(schema), namespace, "totals-1");
        OrderSystem second = startSubscriber(jdbcUrl(schema), namespace, "totals-2");
        KafkaEventPublisher<OrderEvent> publisher = KafkaEventPublisher
            .builder(TestServers.kafka().bootstrapServers(), Codecs.json(OrderEvent.class)).build()) {
      await().atMost(Duration.ofSeconds(60)).until(() -> !first.subscriber().partitions().isEmpty()
          && !second.subscriber().partitions().isEmpty());
      Set<Integer> all = new HashSet<>(first.subscriber().partitions());
      all.addAll(second.subscriber().partitions());
      assertThat(all).as("the topic's partitions, split between them").hasSize(ProductionBackends.PARTITIONS);
      assertThat(first.subscriber().partitions()).doesNotContainAnyElementsOf(second.subscriber().partitions());

      int orders = 40;
      for (int i = 0; i < orders; i++) {
        publisher.publish(OrderTotalsSubscriber.topic(namespace), "c-" + (i % 8), placed("o-" + i, "c-" + (i % 8), 100))
            .get();
      }

      OrderTotals totals = first.subscriber().totals();
      await().atMost(Duration.ofSeconds(60)).until(() -> totals.summary().orders() == orders);
      assertThat(totals.summary()).isEqualTo(new OrderTotals.Summary(8, orders, orders * 100L, 0, orders));
    }
  }
}
