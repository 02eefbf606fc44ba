package dev.layerkit.examples.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.test.servers.TestServers;
import dev.layerkit.events.Subscription;
import dev.layerkit.events.kafka.KafkaEventSubscriber;
import dev.layerkit.examples.orders.OrderSystem;
import dev.layerkit.examples.orders.OrderSystemOptions;
import dev.layerkit.infra.dashboards.DashboardQuery;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The deploy dashboard against real processes: the embedded order system, after one order, on
 * its own {@code /metrics} endpoint, and a Kafka subscriber on the test Kafka (its lag gauge
 * needs a broker). Every metric the dashboard reads is there, but for the counters of failures
 * the order did not have, which {@link DashboardMetricNamesTest} provokes.
 */
class DashboardMetricNamesIT {

  /**
   * Counters registered on a topic's first failure, a saga's first compensation and its first
   * resume from a dead instance; DashboardMetricNamesTest makes them.
   */
  private static final Set<String> ON_FAILURE_ONLY = Set.of(
      "layerkit_events_dead_lettered_total",
      "layerkit_events_publish_failed_total",
      "layerkit_events_retried_total",
      "layerkit_saga_compensations_total",
      "layerkit_saga_resumed_total");

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private String get(URI uri, String apiKey) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
        .header("X-API-Key", apiKey).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET %s: %s", uri, response.body()).isEqualTo(200);
    return response.body();
  }

  private Set<String> orderSystemMetricsAfterOneOrder() throws Exception {
    try (OrderSystem system = OrderSystem.start(OrderSystemOptions.embeddedOnFreePorts())) {
      HttpResponse<String> placed = http.send(HttpRequest.newBuilder(system.gatewayUri().resolve("/api/orders"))
          .timeout(Duration.ofSeconds(10))
          .header("X-API-Key", system.apiKey()).header("Content-Type", "application/json")
          .header("Idempotency-Key", "dashboard-1")
          .POST(HttpRequest.BodyPublishers.ofString(
              "{\"customerId\":\"c-1\",\"items\":[{\"sku\":\"sku-mouse\",\"quantity\":1}]}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(placed.statusCode()).as(placed.body()).isIn(200, 201);
      String id = new ObjectMapper().readTree(placed.body()).get("id").asText();
      get(system.gatewayUri().resolve("/api/orders/" + id), system.apiKey());
      URI metrics = system.adminUri().resolve("/metrics");
      // The dashboard's subscriber handles the order's event on its own thread.
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
          DashboardMetricNamesTest.exportedNames(get(metrics, system.apiKey())))
          .contains("layerkit_events_handled_total"));
      return DashboardMetricNamesTest.exportedNames(get(metrics, system.apiKey()));
    }
  }

  @SuppressWarnings("try") // the subscription only has to be open while the registry is scraped
  private static Set<String> kafkaSubscriberMetrics() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (KafkaEventSubscriber<String> subscriber = KafkaEventSubscriber
        .builder(TestServers.kafka().bootstrapServers(), Codecs.utf8()).meterRegistry(registry).build();
        Subscription subscription = subscriber.subscribe("dashboard-names-" + UUID.randomUUID(), "dashboard",
            event -> {})) {
      return DashboardMetricNamesTest.exportedNames(registry.scrape());
    } finally {
      registry.close();
    }
  }

  @Test
  void theOrderSystemAndAKafkaSubscriberExportEveryMetricTheDeployDashboardReads() throws Exception {
    Set<String> exported = new TreeSet<>(orderSystemMetricsAfterOneOrder());
    exported.addAll(kafkaSubscriberMetrics());
    assertThat(exported).containsAll(DashboardMetricNamesTest.SERVER_ONLY);

    Map<String, String> missing = new TreeMap<>();
    for (DashboardQuery query : DeployFiles.dashboard().queries()) {
      for (String name : DashboardMetricNamesTest.metricNames(query.expr())) {
        if (!exported.contains(name)) {
          missing.putIfAbsent(name, query.location());
        }
      }
    }
    assertThat(missing.keySet()).as("read by the deploy dashboard, exported by neither: %s", missing)
        .isEqualTo(ON_FAILURE_ONLY);
  }
}
