package dev.layerkit.examples.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The committed manifests wire discovery and autoscaling together: the names the callers resolve
 * are headless Services of the Deployments they call, and the order service's autoscaler asks for
 * the metric the committed Prometheus adapter rule serves, from the series the service exports.
 */
class DeployScalingTest {

  private static final Path DEPLOY =
      Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("deploy");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static List<JsonNode> documents(String file) throws IOException {
    List<JsonNode> documents = new ArrayList<>();
    try (var values = YAML.readerFor(JsonNode.class)
        .<JsonNode>readValues(Files.readString(DEPLOY.resolve(file), StandardCharsets.UTF_8))) {
      while (values.hasNext()) {
        JsonNode document = values.next();
        if (document != null && document.isObject()) {
          documents.add(document);
        }
      }
    }
    return documents;
  }

  private static JsonNode one(List<JsonNode> documents, String kind) {
    List<JsonNode> found = documents.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
    assertThat(found).as(kind).hasSize(1);
    return found.get(0);
  }

  @Test
  void everyNameACallerDiscoversIsAHeadlessServiceOfTheDeploymentItCalls() throws IOException {
    // headless Service name -> the pod labels it selects, and its port
    Map<String, JsonNode> headless = new HashMap<>();
    Map<String, JsonNode> podLabels = new HashMap<>();
    for (String file : List.of(DeployFiles.GATEWAY_FILE, DeployFiles.ORDER_SERVICE_FILE,
        DeployFiles.INVENTORY_SERVICE_FILE, DeployFiles.PAYMENT_SERVICE_FILE)) {
      for (JsonNode document : documents(file)) {
        if (document.path("kind").asText().equals("Service") && document.at("/spec/clusterIP").asText().equals("None")) {
          headless.put(document.at("/metadata/name").asText(), document);
        }
        if (document.path("kind").asText().equals("Deployment")) {
          podLabels.put(document.at("/metadata/name").asText(), document.at("/spec/template/metadata/labels"));
        }
      }
    }
    Map<String, String> calls = Map.of(
        DeployFiles.GATEWAY_FILE + " LAYERKIT_ORDERS_SERVICES", "order-service",
        DeployFiles.ORDER_SERVICE_FILE + " LAYERKIT_ORDERS_INVENTORY", "inventory-service",
        DeployFiles.ORDER_SERVICE_FILE + " LAYERKIT_ORDERS_PAYMENT", "payment-service");
    for (Map.Entry<String, String> call : calls.entrySet()) {
      String file = call.getKey().split(" ")[0];
      JsonNode data = one(documents(file), "ConfigMap").path("data");
      String target = data.path(call.getKey().split(" ")[1]).asText();
      String host = target.substring(0, target.lastIndexOf(':'));
      int port = Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));

      assertThat(data.path("LAYERKIT_ORDERS_DISCOVERY").asText()).as("%s discovers through DNS", file).isEqualTo("dns");
      assertThat(headless).as("%s names a headless Service", call.getKey()).containsKey(host);
      JsonNode service = headless.get(host);
      assertThat(service.at("/spec/publishNotReadyAddresses").asBoolean(true)).as("only ready pods resolve").isFalse();
      assertThat(service.at("/spec/ports/0/port").asInt()).isEqualTo(port);
      service.at("/spec/selector").properties().forEach(label -> assertThat(podLabels.get(call.getValue())
          .path(label.getKey()).asText()).as("%s selects %s's pods", host, call.getValue()).isEqualTo(
              label.getValue().asText()));
    }
  }

  @Test
  void theOrderServiceScalesOnTheMetricTheAdapterRuleServesFromTheSeriesItExports() throws IOException {
    JsonNode hpa = one(documents(DeployFiles.ORDER_SERVICE_FILE), "HorizontalPodAutoscaler");
    JsonNode rules = YAML.readTree(one(documents(DeployFiles.PROMETHEUS_ADAPTER_FILE), "ConfigMap")
        .at("/data/config.yaml").asText()).path("rules");

    assertThat(hpa.at("/spec/scaleTargetRef/name").asText()).isEqualTo("order-service");
    JsonNode pods = hpa.at("/spec/metrics/0");
    assertThat(pods.path("type").asText()).isEqualTo("Pods");
    assertThat(pods.at("/pods/target/type").asText()).isEqualTo("AverageValue");
    assertThat(pods.at("/pods/target/averageValue").asText()).isEqualTo(DeployFiles.ORDER_SERVICE_REQUESTS_PER_POD);
    assertThat(hpa.at("/spec/metrics/1/resource/name").asText()).as("CPU stays as a second signal").isEqualTo("cpu");
    assertThat(rules).hasSize(1);
    assertThat(rules.get(0).at("/name/as").asText()).as("the name the HPA asks the custom metrics API for")
        .isEqualTo(pods.at("/pods/metric/name").asText());
    // The series is the order service's server timer's count, as Micrometer's Prometheus registry
    // names "layerkit.http.server.requests" (DeploymentLaunchIT reads it from a running pod).
    assertThat(rules.get(0).path("seriesQuery").asText())
        .startsWith("layerkit_http_server_requests_seconds_count{")
        .contains("namespace!=\"\"", "pod!=\"\"");
    // The dashboard reads it too, and DashboardMetricNamesIT checks a running order system exports
    // every metric the dashboard reads.
    assertThat(DashboardMetricNamesTest.metricsRead()).containsKey(DeployFiles.ORDER_SERVICE_REQUESTS.counter());
  }

  @Test
  void theSubscriberScalesOnItsGroupsLagThroughKedaAloneWithinThePartitions() throws IOException {
    List<JsonNode> documents = documents(DeployFiles.SUBSCRIBER_FILE);
    JsonNode scaledObject = one(documents, "ScaledObject");
    JsonNode kafka = scaledObject.at("/spec/triggers/0");

    assertThat(documents).as("no HorizontalPodAutoscaler beside KEDA's own")
        .noneMatch(d -> d.path("kind").asText().equals("HorizontalPodAutoscaler"));
    for (String file : List.of(DeployFiles.GATEWAY_FILE, DeployFiles.ORDER_SERVICE_FILE,
        DeployFiles.INVENTORY_SERVICE_FILE, DeployFiles.PAYMENT_SERVICE_FILE)) {
      assertThat(documents(file)).as("%s scales nothing of the subscriber", file)
          .noneMatch(d -> d.at("/spec/scaleTargetRef/name").asText().equals("order-totals-subscriber"));
    }
    assertThat(scaledObject.path("apiVersion").asText()).isEqualTo("keda.sh/v1alpha1");
    assertThat(scaledObject.at("/spec/scaleTargetRef/name").asText())
        .isEqualTo(one(documents, "Deployment").at("/metadata/name").asText());
    assertThat(kafka.path("type").asText()).isEqualTo("kafka");
    assertThat(kafka.at("/metadata/consumerGroup").asText()).isEqualTo(DeployFiles.SUBSCRIBER_GROUP);
    assertThat(kafka.at("/metadata/topic").asText()).isEqualTo(DeployFiles.ORDER_TOPIC);
    assertThat(kafka.at("/metadata/lagThreshold").asText()).isEqualTo(Long.toString(DeployFiles.SUBSCRIBER_LAG_THRESHOLD));
    assertThat(scaledObject.at("/spec/minReplicaCount").asInt()).isEqualTo(1);
    assertThat(scaledObject.at("/spec/maxReplicaCount").asInt()).as("a pod per partition at most")
        .isEqualTo(DeployFiles.ORDER_TOPIC_PARTITIONS);
    assertThat(scaledObject.at("/spec/triggers/1/type").asText()).as("CPU stays as a second signal").isEqualTo("cpu");
  }

  @Test
  void theLagThresholdIsTenSecondsOfSeventyPercentOfASubscribersMeasuredRate() {
    // OrderTotalsThroughputIT, three runs at load 24-31: 194, 225 and 228 events/s; the median.
    double measured = 225;
    assertThat(DeployFiles.SUBSCRIBER_EVENTS_PER_SECOND).isEqualTo((int) measured);
    assertThat(DeployFiles.SUBSCRIBER_LAG_THRESHOLD).as("10 s of work at 70%% of the measured rate")
        .isLessThanOrEqualTo((long) (0.7 * measured * 10)).isGreaterThan((long) (0.65 * measured * 10));
  }

  @Test
  void theRequestTargetIsSeventyPercentOfAnInstancesMeasuredPostRate() {
    // benchmarks/README.md, "The order system under load": POST /api/orders, 2,471 requests/s over
    // three instances. The target keeps the CPU target's 70% headroom.
    double perInstance = 2471.0 / 3;
    assertThat(Integer.parseInt(DeployFiles.ORDER_SERVICE_REQUESTS_PER_POD))
        .isLessThanOrEqualTo((int) (0.7 * perInstance)).isGreaterThan((int) (0.65 * perInstance));
  }
}
