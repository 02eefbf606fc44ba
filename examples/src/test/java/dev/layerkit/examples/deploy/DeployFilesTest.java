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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The committed files of {@code examples/deploy/} are exactly what {@link DeployFiles} renders. */
class DeployFilesTest {

  private static final Path DEPLOY =
      Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("deploy");

  @Test
  void committedFilesEqualTheRenderedOnes() throws IOException {
    for (Map.Entry<String, String> file : DeployFiles.render().entrySet()) {
      Path committed = DEPLOY.resolve(file.getKey());
      assertThat(committed).as("%s exists", committed).isRegularFile();
      assertThat(Files.readString(committed, StandardCharsets.UTF_8))
          .as("%s is out of date: regenerate it as DeployFiles' javadoc says", committed)
          .isEqualTo(file.getValue());
    }
  }

  @Test
  void manifestsHoldEveryResourceOfEveryService() throws IOException {
    for (String file : List.of(DeployFiles.GATEWAY_FILE, DeployFiles.ORDER_SERVICE_FILE,
        DeployFiles.INVENTORY_SERVICE_FILE, DeployFiles.PAYMENT_SERVICE_FILE)) {
      List<String> kinds = new ArrayList<>();
      ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
      try (var documents = yaml.readerFor(JsonNode.class)
          .<JsonNode>readValues(DeployFiles.render().get(file))) {
        while (documents.hasNext()) {
          JsonNode document = documents.next();
          kinds.add(document.path("kind").asText() + (document.at("/spec/clusterIP").asText().equals("None")
              ? " (headless)" : ""));
        }
      }
      // The services other pods call have a headless Service, so their callers see each pod.
      assertThat(kinds).as(file).containsExactlyElementsOf(file.equals(DeployFiles.GATEWAY_FILE)
          ? List.of("ConfigMap", "Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget")
          : List.of("ConfigMap", "Deployment", "Service", "Service (headless)", "HorizontalPodAutoscaler",
              "PodDisruptionBudget"));
    }
    assertThat(DeployFiles.render().get(DeployFiles.GATEWAY_FILE))
        .contains("name: order-gateway", "image: " + DeployFiles.IMAGE, "/health/ready");
    // The subscriber is scaled by KEDA's ScaledObject alone (KEDA makes its autoscaler) and called by no one.
    List<String> subscriber = new ArrayList<>();
    try (var documents = new ObjectMapper(new YAMLFactory()).readerFor(JsonNode.class)
        .<JsonNode>readValues(DeployFiles.render().get(DeployFiles.SUBSCRIBER_FILE))) {
      documents.forEachRemaining(document -> subscriber.add(document.path("kind").asText()));
    }
    assertThat(subscriber).containsExactly("ConfigMap", "Deployment", "Service", "ScaledObject", "PodDisruptionBudget");
  }

  @Test
  void alertsFileHasOneGroupPerServiceInOneDocument() throws IOException {
    JsonNode rules = new ObjectMapper(new YAMLFactory())
        .readTree(DeployFiles.render().get(DeployFiles.ALERTS_FILE));
    List<String> groups = new ArrayList<>();
    rules.path("groups").forEach(group -> groups.add(group.path("name").asText()));
    assertThat(groups).containsExactly("order-gateway-slo", "order-service-slo", "order-totals-subscriber-slo");
    assertThat(DeployFiles.gatewayAlerts().alertNames()).contains("OrderGatewayHighErrorRatio");
  }

  @Test
  void dashboardHasARowPerLayerWithTheServiceClientAndSagaPanelsOfTheOrderService() throws IOException {
    JsonNode dashboard = new ObjectMapper().readTree(DeployFiles.render().get(DeployFiles.DASHBOARD_FILE));
    List<String> rows = new ArrayList<>();
    List<String> panels = new ArrayList<>();
    dashboard.path("panels").forEach(panel -> (panel.path("type").asText().equals("row") ? rows : panels)
        .add(panel.path("title").asText()));
    assertThat(rows).containsExactly("2. Gateway", "3. Application", "4. Cache", "5. Database",
        "6. Data processing", "7. Infrastructure");
    assertThat(panels).contains("Gateway latency", "Service latency", "Cache hit ratio", "Shard latency",
        "Consumer lag", "Rate-limit denied share", "Service client calls", "Service client failed share",
        "Sagas finished per second", "Saga steps per second", "Saga step time");
    assertThat(dashboard.path("uid").asText()).isEqualTo("layerkit-overview");
  }
}
