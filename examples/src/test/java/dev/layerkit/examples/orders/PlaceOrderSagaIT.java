package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.layerkit.service.saga.SagaRecord;
import dev.layerkit.service.saga.SagaStatus;
import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestServers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An order placed through the page's API crosses the gateway, an order-service instance, the
 * inventory and payment services (over HTTP, through {@code ServiceClient}), the store, the
 * events and the dashboard; a declined payment releases the stock and rejects the order, saying
 * why. Embedded, and in production mode on real PostgreSQL, Redis and Kafka (the transactional
 * outbox then holds an event for the placed orders only).
 */
class PlaceOrderSagaIT {

  /** Half the charges are declined; which ones is a function of the charge's key. */
  private static final double FAILURE_RATE = 0.5;
  private static final int STOCK = 100;

  @Test
  void embeddedAnOrderCrossesEveryServiceAndADeclinedPaymentReleasesItsStock() {
    OrderSystemOptions options = OrderSystemOptions.embeddedOnFreePorts().withRatePerSecond(1000)
        .withPaymentFailureRate(FAILURE_RATE).withInitialStock(STOCK);
    try (OrderSystem system = OrderSystem.start(options)) {
      scenario(system, "e");
    }
  }

  @Test
  void productionAnOrderCrossesEveryServiceAndADeclinedPaymentReleasesItsStock() throws Exception {
    PostgresSchema schema = TestServers.postgres().createSchema("orders_saga");
    String jdbcUrl = schema.jdbcUrl() + (schema.jdbcUrl().contains("?") ? "&" : "?")
        + "user=" + schema.user() + (schema.password() == null ? "" : "&password=" + schema.password());
    String namespace = "sg" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    OrderSystemOptions options = new OrderSystemOptions("production", 0, 0, 2,
        OrderSystemOptions.DEMO_API_KEY, 1000, TestServers.redis().uri(),
        TestServers.kafka().bootstrapServers(), jdbcUrl, null, false)
        .withPaymentFailureRate(FAILURE_RATE).withInitialStock(STOCK);

    try (OrderSystem system = OrderSystem.start(options, namespace)) {
      Placed placed = scenario(system, "p");

      try (Connection connection = schema.connect(); Statement statement = connection.createStatement()) {
        // Only confirmed orders have an event in the outbox, and the relay sent both.
        try (ResultSet rows = statement.executeQuery("select count(*), count(sent_at) from " + namespace + "_outbox")) {
          rows.next();
          assertThat(rows.getInt(1)).isEqualTo(2);
          assertThat(rows.getInt(2)).isEqualTo(2);
        }
        try (ResultSet rows = statement.executeQuery("select available from " + namespace
            + "_stock where sku = 'sku-dock'")) {
          rows.next();
          assertThat(rows.getLong(1)).isEqualTo(STOCK - 3);
        }
        try (ResultSet rows = statement.executeQuery("select key, status from " + namespace
            + "_reservations order by key")) {
          int reservations = 0;
          while (rows.next()) {
            reservations++;
            assertThat(rows.getString(2)).as(rows.getString(1))
                .isEqualTo(rows.getString(1).contains(placed.declinedKey()) ? "RELEASED" : "RESERVED");
          }
          assertThat(reservations).isEqualTo(3);
        }
        try (ResultSet rows = statement.executeQuery("select count(*) from " + namespace
            + "_sagas where doc->>'status' = 'COMPLETED'")) {
          rows.next();
          assertThat(rows.getInt(1)).isEqualTo(2);
        }
      }
    }
  }

  /** The keys and orders of one run. */
  private record Placed(String declinedKey) {}

  /** The first key {@code prefix-i} whose charge the payment service declines (or approves). */
  private static String key(String prefix, boolean declined, int from) {
    for (int i = from; ; i++) {
      String key = prefix + "-" + i;
      String chargeKey = OrderService.sagaId(key) + ":" + PlaceOrderSaga.CHARGE;
      if (PaymentService.declines(chargeKey, FAILURE_RATE) == declined) {
        return key;
      }
    }
  }

  private static Placed scenario(OrderSystem system, String prefix) {
    String approved = key(prefix + "-ok", false, 0);
    String declined = key(prefix + "-no", true, 0);
    String approvedLater = key(prefix + "-ok", false, Integer.parseInt(approved.substring(approved.lastIndexOf('-') + 1)) + 1);
    Inventory inventory = system.support().inventory();
    Payments payments = system.support().payments();
    OrderClient client = new OrderClient(system.gatewayUri(), system.apiKey());
    assertThat(inventory.available("sku-dock")).isEqualTo(STOCK);

    Order placed = client.placeOrder("c-31", List.of(new OrderClient.Line("sku-dock", 2)), approved);

    assertThat(placed.status()).isEqualTo(OrderStatus.PLACED);
    assertThat(placed.statusReason()).isNull();
    assertThat(inventory.available("sku-dock")).isEqualTo(STOCK - 2);
    assertThat(payments.find(OrderService.sagaId(approved) + ":" + PlaceOrderSaga.CHARGE))
        .hasValueSatisfying(charge -> {
          assertThat(charge.status()).isEqualTo(Payments.Charge.CHARGED);
          assertThat(charge.orderId()).isEqualTo(placed.id());
          assertThat(charge.amountCents()).isEqualTo(placed.totalCents());
        });

    Order rejected = client.placeOrder("c-31", List.of(new OrderClient.Line("sku-dock", 3)), declined);

    assertThat(rejected.status()).isEqualTo(OrderStatus.REJECTED);
    assertThat(rejected.statusReason()).contains("step charge failed").contains("payment declined");
    assertThat(inventory.available("sku-dock")).as("the declined order's stock is back").isEqualTo(STOCK - 2);
    assertThat(payments.find(OrderService.sagaId(declined) + ":" + PlaceOrderSaga.CHARGE))
        .hasValueSatisfying(charge -> assertThat(charge.status()).isEqualTo(Payments.Charge.DECLINED));
    assertThat(client.order(rejected.id())).hasValueSatisfying(read -> {
      assertThat(read.status()).isEqualTo(OrderStatus.REJECTED);
      assertThat(read.statusReason()).isEqualTo(rejected.statusReason());
    });
    assertThat(client.placeOrder("c-31", List.of(new OrderClient.Line("sku-dock", 3)), declined).id())
        .as("a retry gets the same rejected order").isEqualTo(rejected.id());
    assertThat(system.placeOrder().find(OrderService.sagaId(declined))).map(SagaRecord::status)
        .hasValue(SagaStatus.COMPENSATED);
    assertThat(system.placeOrder().find(OrderService.sagaId(approved))).map(SagaRecord::status)
        .hasValue(SagaStatus.COMPLETED);

    // An order after the rejected one, for the same customer (so on the same partition, in order):
    // once the dashboard counts it, it has seen every event before it, and none was the rejected one's.
    Order later = client.placeOrder("c-31", List.of(new OrderClient.Line("sku-dock", 1)), approvedLater);
    assertThat(later.status()).isEqualTo(OrderStatus.PLACED);
    JsonNode dashboard = await().atMost(Duration.ofSeconds(60))
        .until(client::dashboard, body -> body.get("ordersPlaced").asLong() >= 2);
    assertThat(dashboard.get("ordersPlaced").asLong()).isEqualTo(2);
    assertThat(inventory.available("sku-dock")).isEqualTo(STOCK - 3);
    return new Placed(declined);
  }
}
