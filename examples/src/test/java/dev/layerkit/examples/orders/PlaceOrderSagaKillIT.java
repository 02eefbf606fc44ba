package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.service.saga.SagaEvent;
import dev.layerkit.service.saga.SagaRecord;
import dev.layerkit.service.saga.SagaStatus;
import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestServers;
import io.micrometer.observation.ObservationRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Killing the order service inside a step of the place-order saga leaves no order half done: an
 * order-service child JVM ({@code --role=service}, production backends, as a pod runs it) places
 * an order whose charge hangs at a payment endpoint that never answers, and is killed there
 * (SIGKILL) with the order pending, its stock reserved and no charge made. An order-service
 * instance started afterwards, pointed at the real payment service, resumes the saga once its
 * lease lapsed: the order ends placed, its stock taken once, its charge made once, its event
 * written once and counted by the dashboard.
 */
class PlaceOrderSagaKillIT {

  private static final Duration LEASE = Duration.ofSeconds(9);
  private static final String KEY = "kill-1";

  @Test
  void anOrderServiceKilledInsideTheChargeStepLeavesNoOrderHalfDone() throws Exception {
    PostgresSchema schema = TestServers.postgres().createSchema("orders_saga_kill");
    String jdbcUrl = schema.jdbcUrl() + (schema.jdbcUrl().contains("?") ? "&" : "?")
        + "user=" + schema.user() + (schema.password() == null ? "" : "&password=" + schema.password());
    String namespace = "sk" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    List<String> production = List.of("--backends=production", "--redis=" + TestServers.redis().uri(),
        "--kafka=" + TestServers.kafka().bootstrapServers(), "--postgres=" + jdbcUrl, "--namespace=" + namespace,
        "--saga-lease=" + LEASE.toSeconds() + "s", "--initial-stock=50");
    List<String> inThisJvm = new ArrayList<>(List.of("--port=0", "--admin-port=0"));
    inThisJvm.addAll(production);
    OrderSystemOptions options = OrderSystemOptions.parse(without("--namespace", inThisJvm));

    CountDownLatch chargeStarted = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    HttpServer hangingPayment = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    hangingPayment.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    hangingPayment.createContext("/", exchange -> {
      chargeStarted.countDown();
      try {
        never.await(); // the charge never answers: the child is killed while it waits
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.close();
    });
    hangingPayment.start();

    try (OrderSystem inventory = OrderSystem.start(options, namespace, OrderSystem.Role.INVENTORY,
        RemoteServices.at(List.of()))) {
      Endpoint stock = inventory.support().inventoryEndpoint();
      int port = freePort();
      List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx256m", "-cp", System.getProperty("java.class.path"), OrderSystemMain.class.getName(), "--role=service",
          "--port=" + port, "--admin-port=0", "--inventory=127.0.0.1:" + stock.port(),
          "--payment=127.0.0.1:" + hangingPayment.getAddress().getPort()));
      command.addAll(production);
      Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
      Queue<String> output = pump(child);
      try {
        await().atMost(Duration.ofSeconds(120)).until(() -> output.stream().anyMatch(l -> l.startsWith("READY"))
            || !child.isAlive());
        assertThat(child.isAlive()).as("the order service started: %s", output).isTrue();

        CompletableFuture<HttpResponse<String>> request = HttpClient.newHttpClient().sendAsync(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/orders"))
                .header("Content-Type", "application/json").header("Idempotency-Key", KEY)
                .POST(HttpRequest.BodyPublishers.ofString(
                    "{\"customerId\":\"c-41\",\"items\":[{\"sku\":\"sku-headset\",\"quantity\":4}]}")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(chargeStarted.await(60, TimeUnit.SECONDS)).as("the saga reached the charge: %s", output).isTrue();
        child.destroyForcibly();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(request).failsWithin(Duration.ofSeconds(30)); // the connection died with the process
      } finally {
        child.destroyForcibly();
      }

      // Half done: pending, its stock reserved, no charge, no event.
      assertThat(inventory.support().inventory().available("sku-headset")).isEqualTo(46);
      assertThat(ordersOf(schema, namespace)).singleElement()
          .satisfies(order -> assertThat(order.get("status").asText()).isEqualTo("PENDING"));
      assertThat(count(schema, "select count(*) from " + namespace + "_outbox")).isZero();

      try (OrderSystem payment = OrderSystem.start(options, namespace, OrderSystem.Role.PAYMENT,
              RemoteServices.at(List.of()));
          OrderSystem restarted = OrderSystem.start(options, namespace, OrderSystem.Role.SERVICE,
              RemoteServices.at(List.of()), ObservationRegistry.NOOP, new OrderSystem.Downstream(
                  List.of(stock), List.of(payment.support().paymentEndpoint())))) {
        String sagaId = OrderService.sagaId(KEY);
        SagaRecord done = await().atMost(Duration.ofSeconds(90)).until(
            () -> restarted.placeOrder().find(sagaId).orElseThrow(), record -> record.status().isFinal());

        assertThat(done.status()).isEqualTo(SagaStatus.COMPLETED);
        assertThat(done.events()).extracting(SagaEvent::type).contains(SagaEvent.Type.SAGA_RESUMED);
        JsonNode order = ordersOf(schema, namespace).get(0);
        assertThat(order.get("status").asText()).isEqualTo("PLACED");
        assertThat(inventory.support().inventory().available("sku-headset")).as("stock taken once").isEqualTo(46);
        assertThat(count(schema, "select count(*) from " + namespace + "_charges where doc->>'status' = 'CHARGED'"))
            .as("charged once").isEqualTo(1);
        assertThat(payment.support().payments().find(sagaId + ":" + PlaceOrderSaga.CHARGE)).hasValueSatisfying(
            charge -> assertThat(charge.orderId()).isEqualTo(order.get("id").asText()));
        assertThat(count(schema, "select count(*) from " + namespace + "_outbox")).as("one event").isEqualTo(1);
        await().atMost(Duration.ofSeconds(60)).until(() -> restarted.dashboard().ordersPlaced() >= 1);
        assertThat(restarted.dashboard().ordersPlaced()).isEqualTo(1);
      }
    } finally {
      never.countDown();
      hangingPayment.stop(0);
    }
  }

  private static String[] without(String option, List<String> args) {
    return args.stream().filter(arg -> !arg.startsWith(option + "=")).toArray(String[]::new);
  }

  private static List<JsonNode> ordersOf(PostgresSchema schema, String namespace) throws Exception {
    List<JsonNode> orders = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    try (Connection connection = schema.connect(); Statement statement = connection.createStatement()) {
      for (int shard = 0; shard < OrderSystem.SHARDS; shard++) {
        try (ResultSet rows = statement.executeQuery("select doc::text from " + namespace + "_orders_" + shard)) {
          while (rows.next()) {
            orders.add(json.readTree(rows.getString(1)));
          }
        }
      }
    }
    return orders;
  }

  private static int count(PostgresSchema schema, String query) throws Exception {
    try (Connection connection = schema.connect(); Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(query)) {
      rows.next();
      return rows.getInt(1);
    }
  }

  private static Queue<String> pump(Process child) {
    Queue<String> lines = new ConcurrentLinkedQueue<>();
    Thread pump = new Thread(() -> {
      try (BufferedReader reader = new BufferedReader(
          new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          lines.add(line);
        }
      } catch (java.io.IOException e) {
        lines.add("read failed: " + e);
      }
    }, "order-service-output");
    pump.setDaemon(true);
    pump.start();
    return lines;
  }

  private static int freePort() throws java.io.IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
