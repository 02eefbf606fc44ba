package dev.layerkit.infra.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PrometheusRulesTest {

  static PrometheusRules allObjectives() {
    return PrometheusRules.builder("order-service")
        .errorRatio(0.01)
        .p99Latency(Duration.ofMillis(250))
        .rateLimitDenialRatio(0.05)
        .consumerLag(10_000)
        .cacheHitRatio(0.8)
        .readinessDown(Duration.ofMinutes(2))
        .build();
  }

  @Test
  void rendersOneGroupWithARulePerObjective() throws Exception {
    JsonNode file = new YAMLMapper().readTree(allObjectives().toYaml());
    JsonNode group = file.at("/groups/0");
    assertThat(group.get("name").asText()).isEqualTo("order-service-slo");
    assertThat(group.get("rules")).hasSize(6);
    assertThat(allObjectives().alertNames()).containsExactly("OrderServiceHighErrorRatio", "OrderServiceHighP99Latency",
        "OrderServiceHighRateLimitDenials", "OrderServiceHighConsumerLag", "OrderServiceLowCacheHitRatio",
        "OrderServiceNotReady");

    JsonNode errors = group.at("/rules/0");
    assertThat(errors.get("expr").asText()).isEqualTo(
        "sum(rate(layerkit_http_server_requests_seconds_count{app_kubernetes_io_name=\"order-service\",status=~\"5..\"}[5m]))\n"
            + "  / sum(rate(layerkit_http_server_requests_seconds_count{app_kubernetes_io_name=\"order-service\"}[5m])) > 0.01");
    assertThat(errors.get("for").asText()).isEqualTo("5m");
    assertThat(errors.at("/labels/severity").asText()).isEqualTo("page");
    assertThat(errors.at("/annotations/summary").asText()).isEqualTo("order-service answers more than 1% of requests with 5xx");
    assertThat(group.at("/rules/1/expr").asText()).endsWith("> 0.25");
    assertThat(group.at("/rules/4/expr").asText()).endsWith("< 0.8");
    assertThat(group.at("/rules/5/for").asText()).isEqualTo("2m");
    assertThat(group.at("/rules/5/expr").asText())
        .isEqualTo("min by (pod) (layerkit_health_ready{app_kubernetes_io_name=\"order-service\"}) == 0");
  }

  @Test
  void rendersLabelsInAFixedOrderSoTheFileIsTheSameTextOnEveryRun() {
    // With Map.of the order changed from one JVM to the next, half the runs failing this.
    assertThat(allObjectives().toYaml())
        .contains("    labels:\n      severity: page\n      service: order-service\n");
  }

  @Test
  void serviceLabelIsConfigurableEvenAfterTheObjectives() throws Exception {
    String yaml = PrometheusRules.builder("gw").consumerLag(5).serviceLabel("job").build().toYaml();
    assertThat(new YAMLMapper().readTree(yaml).at("/groups/0/rules/0/expr").asText())
        .isEqualTo("sum by (group, topic) (layerkit_events_consumer_lag{job=\"gw\"}) > 5");
  }

  @Test
  void requestsMetricIsConfigurableEvenAfterTheObjectives() {
    String yaml = PrometheusRules.builder("order-gateway").errorRatio(0.01)
        .p99Latency(java.time.Duration.ofMillis(250))
        .requestsMetric("layerkit_gateway_requests_seconds").build().toYaml();

    assertThat(yaml).contains("layerkit_gateway_requests_seconds_count")
        .contains("layerkit_gateway_requests_seconds_bucket")
        .doesNotContain(PrometheusRules.HTTP_REQUESTS);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> PrometheusRules.builder("x").requestsMetric("not a metric"))
        .hasMessageContaining("requestsMetric must be a Prometheus metric name but was 'not a metric'");
  }

  @Test
  void validatesObjectives() {
    assertThatThrownBy(() -> PrometheusRules.builder("s").errorRatio(1.5))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("errorRatio must be in (0, 1) but was 1.5");
    assertThatThrownBy(() -> PrometheusRules.builder("s").p99Latency(Duration.ofNanos(1500)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxP99 must be positive whole milliseconds but was PT0.0000015S");
    assertThatThrownBy(() -> PrometheusRules.builder("s").consumerLag(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("consumerLag must be > 0 but was 0");
    assertThatThrownBy(() -> PrometheusRules.builder("s").readinessDown(Duration.ofMillis(1500)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("readinessDown must be positive whole seconds but was PT1.5S");
    assertThatThrownBy(() -> PrometheusRules.builder("s").serviceLabel("app.name"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("serviceLabel must be a Prometheus label name but was 'app.name'");
    assertThatThrownBy(() -> PrometheusRules.builder("s").cacheHitRatio(0.5).cacheHitRatio(0.6))
        .isInstanceOf(IllegalStateException.class).hasMessage("cacheHitRatio was already set to 0.5");
    assertThatThrownBy(() -> PrometheusRules.builder("s\"x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'s\"x'");
    assertThatThrownBy(() -> PrometheusRules.builder("s").build())
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("no objective given");
  }
}
