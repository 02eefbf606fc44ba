package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layerkit.events.pipeline.jdbc.PostgresAnalyticsSink;
import dev.layerkit.events.stream.WindowedAggregate;
import dev.layerkit.infra.Config;
import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestServers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The nightly revenue report in the running system and from the command line: the embedded
 * system's dashboard endpoint returns the report the page's button ran, per product and hour of
 * the orders placed through the gateway; {@code --job=revenue} on production backends (PostgreSQL,
 * Redis, in-JVM Kafka) reads the orders the production system stored and writes the same table
 * into PostgreSQL or a DuckDB file, with a report and exit code 0; embedded, it exits 2 and says
 * why.
 */
class RevenueReportIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();

  /** The report the orders should give: per hour and product, orders and revenue in cents. */
  private static Map<String, long[]> expected(List<Order> orders) {
    Map<String, long[]> byHourAndSku = new TreeMap<>();
    for (Order order : orders) {
      long hour = order.createdAt() - Math.floorMod(order.createdAt(), 3_600_000L);
      Map<String, Long> bySku = new TreeMap<>();
      for (OrderItem item : order.items()) {
        bySku.merge(item.sku(), item.quantity() * item.priceCents(), Long::sum);
      }
      bySku.forEach((sku, cents) -> {
        long[] sums = byHourAndSku.computeIfAbsent(hour + " " + sku, k -> new long[2]);
        sums[0]++;
        sums[1] += cents;
      });
    }
    return byHourAndSku;
  }

  private static Map<String, long[]> fromJson(JsonNode hours) {
    Map<String, long[]> table = new TreeMap<>();
    for (JsonNode hour : hours) {
      table.put(hour.get("start").asLong() + " " + hour.get("sku").asText(),
          new long[] {hour.get("orders").asLong(), hour.get("revenueCents").asLong()});
    }
    return table;
  }

  private static Map<String, long[]> fromRows(List<WindowedAggregate> rows) {
    Map<String, long[]> table = new TreeMap<>();
    for (WindowedAggregate row : rows) {
      table.put(row.windowStart().toEpochMilli() + " " + row.key(),
          new long[] {row.count(), Math.round(row.sum())});
    }
    return table;
  }

  private static List<Order> placeSome(OrderClient client) {
    List<Order> placed = new ArrayList<>();
    placed.add(client.placeOrder("c-1", List.of(new OrderClient.Line("sku-mouse", 2),
        new OrderClient.Line("sku-dock", 1)), "rev-1"));
    placed.add(client.placeOrder("c-2", List.of(new OrderClient.Line("sku-mouse", 1)), "rev-2"));
    placed.add(client.placeOrder("c-1", List.of(new OrderClient.Line("sku-monitor", 1)), "rev-3"));
    return placed;
  }

  @Test
  void theDashboardEndpointReturnsTheReportTheButtonRan() throws Exception {
    try (OrderSystem system = OrderSystem.start(OrderSystemOptions.embeddedOnFreePorts())) {
      OrderClient client = new OrderClient(system.gatewayUri(), system.apiKey());
      assertThat(client.dashboard().get("revenueReport").get("hours")).isEmpty();
      assertThat(client.dashboard().get("revenueReport").get("lastRun").isNull()).isTrue();
      List<Order> placed = placeSome(client);

      HttpResponse<String> ran = http.send(HttpRequest.newBuilder(
              system.gatewayUri().resolve("/api/dashboard/revenue"))
          .header("X-API-Key", system.apiKey()).POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(ran.statusCode()).isEqualTo(200);
      JsonNode report = JSON.readTree(ran.body());
      assertThat(report.get("table").asText()).isEqualTo("revenue_by_product_hour");
      assertThat(report.get("lastRun").get("recordsRead").asLong()).isEqualTo(4);
      assertThat(report.get("lastRun").get("deadLetters").asLong()).isZero();
      assertThat(fromJson(report.get("hours"))).usingRecursiveComparison()
          .isEqualTo(expected(placed));

      JsonNode dashboard = client.dashboard();
      assertThat(fromJson(dashboard.get("revenueReport").get("hours"))).usingRecursiveComparison()
          .isEqualTo(expected(placed));
      assertThat(dashboard.get("ordersPlaced").asLong()).isBetween(0L, 3L); // live, beside it
      assertThat(dashboard.get("revenueReport").get("hours").get(0).get("name").asText())
          .isNotBlank();

      HttpResponse<String> get = http.send(HttpRequest.newBuilder(
              system.gatewayUri().resolve("/api/dashboard/revenue"))
          .header("X-API-Key", system.apiKey()).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(get.statusCode()).isEqualTo(405);
    }
  }

  @Test
  void withEngineFlinkTheCommandLineJobRunsOnFlinkIntoPostgresWithTheSameTable() throws Exception {
    PostgresSchema schema = TestServers.postgres().createSchema("orders_revenue_flink");
    String jdbcUrl = schema.jdbcUrl() + (schema.jdbcUrl().contains("?") ? "&" : "?")
        + "user=" + schema.user() + (schema.password() == null ? "" : "&password=" + schema.password());
    String namespace = "revf" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    Config config = OrderSystemOptions.config(Map.of("LAYERKIT_ORDERS_ENGINE", "flink"),
        "--backends=production", "--redis=" + TestServers.redis().uri(),
        "--kafka=" + TestServers.kafka().bootstrapServers(), "--postgres=" + jdbcUrl,
        "--namespace=" + namespace, "--job=revenue", "--port=0", "--admin-port=0",
        "--instances=1");
    assertThat(config.get(OrderSystemOptions.ENGINE)).isEqualTo("flink");
    OrderSystemOptions options = OrderSystemOptions.from(config);
    List<Order> placed;
    try (OrderSystem system = OrderSystem.start(options, namespace)) {
      placed = placeSome(new OrderClient(system.gatewayUri(), system.apiKey()));
    }

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = RevenueJob.runFromCommandLine(options, namespace, "",
        config.get(OrderSystemOptions.ENGINE), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String report = out.toString(StandardCharsets.UTF_8);
    assertThat(exit).as(report + err).isZero();
    assertThat(report).startsWith("pipeline revenue-by-product-hour: done in ")
        .containsPattern("records read +4 ").containsPattern("dead letters +0")
        .containsPattern("rows written +" + expected(placed).size() + " ");
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("revenue-by-product-hour", "100%");
    try (PostgresAnalyticsSink table = PostgresAnalyticsSink.builder(jdbcUrl,
        namespace + "_" + RevenueJob.TABLE).build()) {
      assertThat(fromRows(table.rows())).usingRecursiveComparison().isEqualTo(expected(placed));
    }
    assertThat(report).contains("  engine          Apache Flink (a local mini cluster)");
  }

  @Test
  void theCommandLineJobReadsTheProductionStoreIntoPostgresOrADuckDbFile(@TempDir Path dir)
      throws Exception {
    PostgresSchema schema = TestServers.postgres().createSchema("orders_revenue");
    String jdbcUrl = schema.jdbcUrl() + (schema.jdbcUrl().contains("?") ? "&" : "?")
        + "user=" + schema.user() + (schema.password() == null ? "" : "&password=" + schema.password());
    String namespace = "rev" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    OrderSystemOptions options = new OrderSystemOptions("production", 0, 0, 1,
        OrderSystemOptions.DEMO_API_KEY, 50, TestServers.redis().uri(),
        TestServers.kafka().bootstrapServers(), jdbcUrl, null, false);
    List<Order> placed;
    try (OrderSystem system = OrderSystem.start(options, namespace)) {
      placed = placeSome(new OrderClient(system.gatewayUri(), system.apiKey()));
    }

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = RevenueJob.runFromCommandLine(options, namespace, "",
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String report = out.toString(StandardCharsets.UTF_8);
    assertThat(exit).as(report + err).isZero();
    assertThat(report).startsWith("pipeline revenue-by-product-hour: done in ")
        .containsPattern("records read +4 ").containsPattern("dead letters +0")
        .containsPattern("rows written +" + expected(placed).size() + " ");
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("revenue-by-product-hour", "100%");
    try (PostgresAnalyticsSink table = PostgresAnalyticsSink.builder(jdbcUrl,
        namespace + "_" + RevenueJob.TABLE).build()) {
      assertThat(fromRows(table.rows())).usingRecursiveComparison().isEqualTo(expected(placed));
    }

    Path file = dir.resolve("warehouse.duckdb");
    assertThat(RevenueJob.runFromCommandLine(options, namespace, file.toString(),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))).isZero();
    try (var table = dev.layerkit.events.pipeline.duckdb.DuckDbAnalyticsSink.builder(file,
        RevenueJob.TABLE).build()) {
      assertThat(fromRows(table.rows())).usingRecursiveComparison().isEqualTo(expected(placed));
    }

    ByteArrayOutputStream refused = new ByteArrayOutputStream();
    assertThat(RevenueJob.runFromCommandLine(OrderSystemOptions.embeddedOnFreePorts(), "layerkit",
        "", new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
        new PrintStream(refused, true, StandardCharsets.UTF_8))).isEqualTo(2);
    assertThat(refused.toString(StandardCharsets.UTF_8)).contains("--backends=production");
  }
}
