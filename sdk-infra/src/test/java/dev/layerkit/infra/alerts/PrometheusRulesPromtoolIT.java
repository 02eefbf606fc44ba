package dev.layerkit.infra.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.test.Promtool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules checked and unit-tested by Prometheus' own {@code promtool}: it must be on the PATH
 * (Debian package {@code prometheus}); without it the test fails and says how to install it.
 */
class PrometheusRulesPromtoolIT {

  @TempDir
  Path dir;

  @Test
  void withoutPromtoolTheTestFailsAndSaysHowToInstallIt() throws Exception {
    Path empty = Files.createDirectory(dir.resolve("empty-bin"));
    assertThatThrownBy(() -> Promtool.find(empty.toString()))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("promtool is not on the PATH")
        .hasMessageContaining("apt-get install -y prometheus");
  }

  private String run(String... arguments) throws IOException, InterruptedException {
    Promtool.Result result = Promtool.run(dir, arguments);
    assertThat(result.exitStatus()).as("promtool exit status; output:%n%s", result.output()).isZero();
    return result.output();
  }

  @Test
  void promtoolChecksTheRulesFile() throws Exception {
    Path rules = dir.resolve("rules.yaml");
    Files.writeString(rules, PrometheusRulesTest.allObjectives().toYaml());
    String output = run("check", "rules", rules.toString());
    assertThat(output).contains("SUCCESS: 6 rules found");
  }

  @Test
  void promtoolUnitTestsShowTheAlertsFireOnlyWhenTheyShould() throws Exception {
    Files.writeString(dir.resolve("rules.yaml"), PrometheusRulesTest.allObjectives().toYaml());
    String sel = "app_kubernetes_io_name=\"order-service\"";
    List<String> test = List.of(
        "rule_files: [rules.yaml]",
        "evaluation_interval: 1m",
        "tests:",
        "  - interval: 1m",
        "    input_series:",
        // 2% of requests fail: above the 1% objective.
        "      - series: 'layerkit_http_server_requests_seconds_count{" + sel + ",status=\"200\"}'",
        "        values: '0+98x30'",
        "      - series: 'layerkit_http_server_requests_seconds_count{" + sel + ",status=\"503\"}'",
        "        values: '0+2x30'",
        // 90% hits: above the 80% objective, so no alert.
        "      - series: 'layerkit_cache_gets_total{" + sel + ",result=\"hit\"}'",
        "        values: '0+90x30'",
        "      - series: 'layerkit_cache_gets_total{" + sel + ",result=\"miss\"}'",
        "        values: '0+10x30'",
        // One pod goes unready at minute 2 and stays so; the other stays ready.
        "      - series: 'layerkit_health_ready{" + sel + ",pod=\"order-service-0\"}'",
        "        values: '1 1 0x28'",
        "      - series: 'layerkit_health_ready{" + sel + ",pod=\"order-service-1\"}'",
        "        values: '1x30'",
        // Two members of group billing lag 6,000 each: 12,000 for the group, above 10,000,
        // though neither pod alone is. Group audit's one member lags 9,000: below.
        "      - series: 'layerkit_events_consumer_lag{" + sel + ",pod=\"order-service-0\","
            + "group=\"billing\",topic=\"orders\"}'",
        "        values: '6000x30'",
        "      - series: 'layerkit_events_consumer_lag{" + sel + ",pod=\"order-service-1\","
            + "group=\"billing\",topic=\"orders\"}'",
        "        values: '6000x30'",
        "      - series: 'layerkit_events_consumer_lag{" + sel + ",pod=\"order-service-0\","
            + "group=\"audit\",topic=\"orders\"}'",
        "        values: '9000x30'",
        "    alert_rule_test:",
        "      - eval_time: 3m",
        "        alertname: OrderServiceNotReady",
        "        exp_alerts: []",
        "      - eval_time: 6m",
        "        alertname: OrderServiceNotReady",
        "        exp_alerts:",
        "          - exp_labels: {severity: page, service: order-service, pod: order-service-0}",
        "            exp_annotations:",
        "              summary: 'order-service pod order-service-0 is not ready'",
        "              description: 'Readiness has been DOWN for more than 2m; see /health on the pod.'",
        "      - eval_time: 20m",
        "        alertname: OrderServiceHighErrorRatio",
        "        exp_alerts:",
        "          - exp_labels: {severity: page, service: order-service}",
        "            exp_annotations:",
        "              summary: 'order-service answers more than 1% of requests with 5xx'",
        "              description: '5xx ratio is 2% over the last 5 minutes.'",
        "      - eval_time: 25m",
        "        alertname: OrderServiceLowCacheHitRatio",
        "        exp_alerts: []",
        "      - eval_time: 5m",
        "        alertname: OrderServiceHighConsumerLag",
        "        exp_alerts: []",
        "      - eval_time: 15m",
        "        alertname: OrderServiceHighConsumerLag",
        "        exp_alerts:",
        "          - exp_labels: {severity: ticket, service: order-service, group: billing, topic: orders}",
        "            exp_annotations:",
        "              summary: 'order-service consumer group billing lags on orders'",
        "              description: 'Lag is 12000 records, above 10000.'");
    Files.write(dir.resolve("rules_test.yaml"), test, StandardCharsets.UTF_8);
    String output = run("test", "rules", "rules_test.yaml");
    assertThat(output).contains("SUCCESS");
  }
}
