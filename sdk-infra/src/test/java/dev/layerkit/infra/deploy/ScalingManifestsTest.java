package dev.layerkit.infra.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The scaling and discovery parts of the manifests, parsed back from the YAML as {@code kubectl}
 * would read it: the headless Service, the HorizontalPodAutoscaler's {@code Pods} metric, KEDA's
 * {@code ScaledObject} and the Prometheus adapter's rules.
 */
class ScalingManifestsTest {

  private static final YAMLMapper YAML = new YAMLMapper();

  private static List<JsonNode> documents(String yaml) {
    List<JsonNode> docs = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\n")) {
      if (!doc.isBlank()) {
        docs.add(YAML.readTree(doc));
      }
    }
    return docs;
  }

  private static JsonNode only(List<JsonNode> docs, String kind, String name) {
    List<JsonNode> found = docs.stream().filter(d -> d.get("kind").asString().equals(kind)
        && d.at("/metadata/name").asString().equals(name)).toList();
    assertThat(found).as("%s %s", kind, name).hasSize(1);
    return found.get(0);
  }

  @Test
  void headlessServiceSelectsTheDeploymentsPodsWithNoClusterIpAndOnlyReadyAddresses() {
    ServiceSpec spec = ServiceSpec.builder("orders", "img:1").port(8081).headlessService().build();
    List<JsonNode> docs = documents(KubernetesManifests.toYaml(spec));

    assertThat(docs).extracting(d -> d.get("kind").asString())
        .containsExactly("ConfigMap", "Deployment", "Service", "Service", "HorizontalPodAutoscaler",
            "PodDisruptionBudget");
    Deployment deployment = YAML.treeToValue(only(docs, "Deployment", "orders"), Deployment.class);
    Service headless = YAML.treeToValue(only(docs, "Service", "orders-headless"), Service.class);
    Service clusterIp = YAML.treeToValue(only(docs, "Service", "orders"), Service.class);
    assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(headless.getSpec().getPublishNotReadyAddresses()).isFalse();
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(headless.getSpec().getSelector());
    assertThat(headless.getSpec().getPorts().get(0).getPort()).isEqualTo(8081);
    assertThat(headless.getSpec().getPorts().get(0).getTargetPort().getStrVal()).isEqualTo(KubernetesManifests.HTTP_PORT_NAME);
    assertThat(clusterIp.getSpec().getClusterIP()).as("the ClusterIP Service stays as it was").isNull();
    assertThat(KubernetesManifests.headlessServiceName(spec)).isEqualTo("orders-headless");
    assertThat(documents(KubernetesManifests.toYaml(ServiceSpec.builder("orders", "img:1").build())))
        .as("without headlessService() there is one Service").filteredOn(d -> d.get("kind").asString().equals("Service"))
        .hasSize(1);
  }

  @Test
  void podMetricComesFirstInTheAutoscalerBesideCpuWithAnAverageValueTarget() {
    PrometheusAdapterRule rule = PrometheusAdapterRule.perSecondRate("layerkit_http_server_requests_seconds_count",
        "layerkit_http_server_requests_per_second", Duration.ofMinutes(2));
    ServiceSpec spec = ServiceSpec.builder("orders", "img:1").autoscaling(3, 10, 70)
        .podMetricAutoscaling(rule.metricName(), "40").build();

    HorizontalPodAutoscaler hpa = YAML.treeToValue(
        only(documents(KubernetesManifests.toYaml(spec)), "HorizontalPodAutoscaler", "orders"),
        HorizontalPodAutoscaler.class);

    assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("orders");
    assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(3);
    assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(10);
    List<MetricSpec> metrics = hpa.getSpec().getMetrics();
    assertThat(metrics).extracting(MetricSpec::getType).containsExactly("Pods", "Resource");
    assertThat(metrics.get(0).getPods().getMetric().getName()).isEqualTo(rule.metricName());
    assertThat(metrics.get(0).getPods().getTarget().getType()).isEqualTo("AverageValue");
    assertThat(metrics.get(0).getPods().getTarget().getAverageValue()).isEqualTo(new Quantity("40"));
    assertThat(metrics.get(1).getResource().getTarget().getAverageUtilization()).isEqualTo(70);
  }

  @Test
  void kafkaLagSpecGetsAScaledObjectInPlaceOfTheAutoscalerWithKedasFields() {
    ServiceSpec spec = ServiceSpec.builder("order-events", "img:1").replicas(1).autoscaling(1, 6, 80)
        .kafkaLagAutoscaling("kafka:9092", "order-events", "layerkit-orders", 500).build();
    List<JsonNode> docs = documents(KubernetesManifests.toYaml(spec));

    assertThat(docs).extracting(d -> d.get("apiVersion").asString() + "/" + d.get("kind").asString())
        .containsExactly("v1/ConfigMap", "apps/v1/Deployment", "v1/Service", "keda.sh/v1alpha1/ScaledObject",
            "policy/v1/PodDisruptionBudget");
    GenericKubernetesResource scaled = YAML.treeToValue(only(docs, "ScaledObject", "order-events"),
        GenericKubernetesResource.class);
    JsonNode scaledSpec = only(docs, "ScaledObject", "order-events").get("spec");
    assertThat(scaled.getMetadata().getLabels()).containsEntry(KubernetesManifests.NAME_LABEL, "order-events");
    assertThat(scaledSpec.at("/scaleTargetRef/kind").asString()).isEqualTo("Deployment");
    assertThat(scaledSpec.at("/scaleTargetRef/name").asString()).isEqualTo("order-events");
    assertThat(scaledSpec.get("minReplicaCount").asInt()).isEqualTo(1);
    assertThat(scaledSpec.get("maxReplicaCount").asInt()).isEqualTo(6);
    JsonNode kafka = scaledSpec.get("triggers").get(0);
    assertThat(kafka.get("type").asString()).isEqualTo("kafka");
    // KEDA reads trigger metadata as strings: a number would be rejected by its CRD schema.
    assertThat(kafka.at("/metadata/lagThreshold").isString()).isTrue();
    assertThat(kafka.at("/metadata/lagThreshold").asString()).isEqualTo("500");
    assertThat(kafka.at("/metadata/bootstrapServers").asString()).isEqualTo("kafka:9092");
    assertThat(kafka.at("/metadata/consumerGroup").asString()).isEqualTo("order-events");
    assertThat(kafka.at("/metadata/topic").asString()).isEqualTo("layerkit-orders");
    // Layerkit's subscribers start a new group at the earliest offset; KEDA must count lag alike.
    assertThat(kafka.at("/metadata/offsetResetPolicy").asString()).isEqualTo("earliest");
    JsonNode cpu = scaledSpec.get("triggers").get(1);
    assertThat(cpu.get("type").asString()).isEqualTo("cpu");
    assertThat(cpu.at("/metadata/value").asString()).isEqualTo("80");
  }

  @Test
  void aSpecCannotScaleOnBothAPodMetricAndKafkaLag() {
    ServiceSpec.Builder both = ServiceSpec.builder("x", "img:1").podMetricAutoscaling("rps", "10")
        .kafkaLagAutoscaling("kafka:9092", "g", "t", 10);
    assertThatThrownBy(both::build).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("podMetricAutoscaling (rps)").hasMessageContaining("kafkaLagAutoscaling (t)");
    assertThatThrownBy(() -> KubernetesManifests.scaledObject(ServiceSpec.builder("x", "img:1").build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("spec x has no kafkaLagAutoscaling");
  }

  @Test
  void builderRejectsBadTargetsNamingTheValue() {
    ServiceSpec.Builder b = ServiceSpec.builder("x", "img:1");
    assertThatThrownBy(() -> b.podMetricAutoscaling("requests per second", "10"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'requests per second'");
    assertThatThrownBy(() -> b.podMetricAutoscaling("rps", "0")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("averageValue").hasMessageContaining("'0'");
    assertThatThrownBy(() -> b.podMetricAutoscaling("rps", "lots")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'lots'");
    assertThatThrownBy(() -> b.kafkaLagAutoscaling("kafka:9092", "g", "t", 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lagThreshold must be >= 1 but was 0");
    assertThatThrownBy(() -> b.kafkaLagAutoscaling("kafka:9092", " ", "t", 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("consumerGroup");
    b.headlessService().podMetricAutoscaling("rps", "10");
    assertThatThrownBy(b::headlessService).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("headlessService was already set");
    assertThatThrownBy(() -> b.podMetricAutoscaling("rps", "20")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("podMetricAutoscaling was already set");
  }

  @Test
  void adapterRuleServesTheCountersRatePerPodUnderTheNameTheAutoscalerAsksFor() {
    PrometheusAdapterRule rule = PrometheusAdapterRule.perSecondRate("layerkit_http_server_requests_seconds_count",
        "layerkit_http_server_requests_per_second", Duration.ofMinutes(2));

    ConfigMap configMap = PrometheusAdapterRule.configMap("adapter-rules", "monitoring", List.of(rule));
    ConfigMap parsed = YAML.treeToValue(documents(KubernetesManifests.toYaml(List.of(configMap))).get(0),
        ConfigMap.class);
    JsonNode file = YAML.readTree(parsed.getData().get(PrometheusAdapterRule.CONFIG_KEY));

    assertThat(parsed.getMetadata().getNamespace()).isEqualTo("monitoring");
    JsonNode entry = file.get("rules").get(0);
    assertThat(entry.get("seriesQuery").asString())
        .isEqualTo("layerkit_http_server_requests_seconds_count{namespace!=\"\",pod!=\"\"}");
    assertThat(entry.at("/resources/overrides/namespace/resource").asString()).isEqualTo("namespace");
    assertThat(entry.at("/resources/overrides/pod/resource").asString()).isEqualTo("pod");
    assertThat(entry.at("/name/matches").asString()).isEqualTo("^layerkit_http_server_requests_seconds_count$");
    assertThat(entry.at("/name/as").asString()).isEqualTo("layerkit_http_server_requests_per_second");
    assertThat(entry.get("metricsQuery").asString())
        .isEqualTo("sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)");
    assertThat(rule.queryFor("shop", "order-service-.*")).isEqualTo(
        "sum(rate(layerkit_http_server_requests_seconds_count{namespace=\"shop\",pod=~\"order-service-.*\"}[2m]))"
            + " by (pod)");
  }

  @Test
  void adapterRuleRejectsBadNamesWindowsAndDuplicates() {
    assertThatThrownBy(() -> PrometheusAdapterRule.perSecondRate("a-b", "rps", Duration.ofMinutes(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("counter").hasMessageContaining("'a-b'");
    assertThatThrownBy(() -> PrometheusAdapterRule.perSecondRate("c", "c", Duration.ofMinutes(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("both were 'c'");
    assertThatThrownBy(() -> PrometheusAdapterRule.perSecondRate("c", "rps", Duration.ofMillis(1500)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT1.5S");
    PrometheusAdapterRule one = PrometheusAdapterRule.perSecondRate("c", "rps", Duration.ofMinutes(1));
    PrometheusAdapterRule two = PrometheusAdapterRule.perSecondRate("d", "rps", Duration.ofMinutes(1));
    assertThatThrownBy(() -> PrometheusAdapterRule.toConfigYaml(List.of(one, two)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two rules serve metric rps");
    assertThatThrownBy(() -> PrometheusAdapterRule.toConfigYaml(List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rules must not be empty");
    assertThat(Map.of("x", one.toString())).containsEntry("x", "PrometheusAdapterRule{c -> rps over 1m}");
  }
}
