package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestServers;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Production mode as separate processes: two order-service JVMs started the way {@code
 * OrderSystemMain} starts them, the gateway in this JVM, all on real PostgreSQL, Redis and Kafka;
 * one service process is killed and reads go on through the other.
 */
class ProductionProcessesIT {

  @Test
  @SuppressWarnings("try") // closes the gateway inside the block to check that its child stops
  void orderServicesRunAsSeparateProcessesAndSurviveLosingOne() throws Exception {
    PostgresSchema schema = TestServers.postgres().createSchema("orders_processes");
    String jdbcUrl = schema.jdbcUrl() + (schema.jdbcUrl().contains("?") ? "&" : "?")
        + "user=" + schema.user() + (schema.password() == null ? "" : "&password=" + schema.password());
    List<String> args = List.of("--backends=production", "--instances=2", "--rate=100000",
        "--redis=" + TestServers.redis().uri(), "--kafka=" + TestServers.kafka().bootstrapServers(),
        "--postgres=" + jdbcUrl);
    OrderSystemOptions options = OrderSystemOptions.parse(args.toArray(String[]::new));
    String namespace = "px" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    ServiceProcesses processes = new ServiceProcesses(options, namespace, args);
    try (OrderSystem gateway = OrderSystem.start(options, namespace, OrderSystem.Role.GATEWAY, processes)) {
      List<Process> children = processes.children();
      assertThat(children).hasSize(2).allMatch(Process::isAlive);
      OrderClient client = new OrderClient(gateway.gatewayUri(), gateway.apiKey());
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        ids.add(client.placeOrder("c-21", List.of(new OrderClient.Line("sku-keyboard", 1)), "k" + i).id());
      }
      // Both processes share the store: every order reads back, whichever instance answers.
      for (String id : ids) {
        assertThat(client.order(id)).hasValueSatisfying(order -> assertThat(order.id()).isEqualTo(id));
      }

      children.get(0).destroyForcibly().waitFor();

      for (int round = 0; round < 5; round++) {
        for (String id : ids) {
          assertThat(client.order(id)).isPresent();
        }
      }
      assertThat(client.customerOrders("c-21", 10, null)).hasSize(6);
      gateway.close();
      // Closing the gateway's lifecycle stops the surviving process too (SIGTERM, then it drains).
      assertThat(children.get(1).isAlive()).isFalse();
    }
  }
}
