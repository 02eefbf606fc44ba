package dev.layerkit.examples.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.layerkit.test.Promtool;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed Prometheus adapter rule's queries parse in Prometheus' {@code promtool}: the
 * series query, and the metrics query filled in as the adapter fills it for the pods of a
 * namespace. promtool must be on the PATH (see {@link Promtool}).
 */
class DeployAdapterRulePromtoolIT {

  private static final Path ADAPTER = Path.of(System.getProperty("basedir", ".")).toAbsolutePath()
      .resolve("deploy").resolve(DeployFiles.PROMETHEUS_ADAPTER_FILE);

  @TempDir
  Path dir;

  @Test
  void promtoolParsesTheCommittedAdapterRulesQueries() throws Exception {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    JsonNode configMap = null;
    try (var documents = yaml.readerFor(JsonNode.class).<JsonNode>readValues(Files.readString(ADAPTER))) {
      while (documents.hasNext()) {
        JsonNode document = documents.next();
        if (document != null && document.path("kind").asText().equals("ConfigMap")) {
          configMap = document;
        }
      }
    }
    assertThat(configMap).as("%s holds the adapter's ConfigMap", ADAPTER).isNotNull();
    JsonNode rule = yaml.readTree(configMap.at("/data/config.yaml").asText()).path("rules").get(0);
    String metricsQuery = rule.path("metricsQuery").asText()
        .replace("<<.Series>>", rule.at("/name/matches").asText().replaceAll("^\\^|\\$$", ""))
        .replace("<<.LabelMatchers>>", "namespace=\"shop\",pod=~\"order-service-.*\"")
        .replace("<<.GroupBy>>", "pod");
    // What the generator says the adapter runs (the same template, filled in by hand here).
    assertThat(metricsQuery).isEqualTo(DeployFiles.ORDER_SERVICE_REQUESTS.queryFor("shop", "order-service-.*"));

    ObjectMapper json = new ObjectMapper();
    String rules = "groups:\n- name: deploy-adapter\n  rules:\n"
        + "  - record: deploy_adapter:series\n    expr: " + json.writeValueAsString(rule.path("seriesQuery").asText()) + "\n"
        + "  - record: deploy_adapter:metrics\n    expr: " + json.writeValueAsString(metricsQuery) + "\n";
    Promtool.Result result = Promtool.checkRules(dir, rules);

    assertThat(result.exitStatus()).as("promtool exit status; output:%n%s", result.output()).isZero();
    assertThat(result.output()).contains("SUCCESS: 2 rules found");
  }
}
