package dev.layerkit.infra.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class GrafanaDashboardTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  static GrafanaDashboard everyBlock() {
    return GrafanaDashboard.builder("layerkit-overview", "Layerkit overview").everyBlock().build();
  }

  private static List<JsonNode> panels(JsonNode dashboard, String type) {
    List<JsonNode> panels = new ArrayList<>();
    dashboard.get("panels").forEach(panel -> {
      if (panel.get("type").asText().equals(type)) {
        panels.add(panel);
      }
    });
    return panels;
  }

  @Test
  void rowsFollowTheLayersWhateverTheOrderOfTheCalls() throws Exception {
    JsonNode dashboard = JSON.readTree(GrafanaDashboard.builder("d", "D")
        .health().events().cache().gateway().build().toJson());
    assertThat(panels(dashboard, "row")).extracting(row -> row.get("title").asText())
        .containsExactly("2. Gateway", "4. Cache", "6. Data processing", "7. Infrastructure");
    assertThat(panels(dashboard, "timeseries").get(0).get("title").asText()).isEqualTo("Gateway requests per second");
  }

  @Test
  void rendersGrafanasJsonModelWithTheDatasourceJobAndInstanceVariables() throws Exception {
    JsonNode dashboard = JSON.readTree(everyBlock().toJson());
    assertThat(dashboard.get("uid").asText()).isEqualTo("layerkit-overview");
    assertThat(dashboard.get("schemaVersion").asInt()).isEqualTo(42);
    JsonNode variables = dashboard.at("/templating/list");
    assertThat(variables).extracting(v -> v.get("name").asText()).containsExactly("datasource", "job", "instance");
    assertThat(variables.get(0).get("type").asText()).isEqualTo("datasource");
    assertThat(variables.get(0).get("query").asText()).isEqualTo("prometheus");
    assertThat(variables.get(2).get("query").asText())
        .isEqualTo("label_values(layerkit_health_ready{job=~\"$job\"}, instance)");
    assertThat(variables.get(2).get("allValue").asText()).isEqualTo(".+");

    List<JsonNode> panels = panels(dashboard, "timeseries");
    assertThat(panels).hasSize(36);
    for (JsonNode panel : panels) {
      assertThat(panel.at("/datasource/uid").asText()).as(panel.toString()).isEqualTo("${datasource}");
      assertThat(panel.get("targets")).as(panel.get("title").asText()).isNotEmpty();
      for (JsonNode target : panel.get("targets")) {
        assertThat(target.at("/datasource/uid").asText()).isEqualTo("${datasource}");
        assertThat(target.get("expr").asText()).isNotBlank();
      }
    }
    assertThat(panels).extracting(p -> p.get("title").asText()).contains("Gateway 5xx share", "Gateway latency",
        "Rate-limit denied share", "Cache hit ratio", "Shard latency", "Consumer lag", "Service client latency",
        "Sagas finished per second", "Saga steps per second", "Saga step time");
  }

  @Test
  void everySeriesSelectorIsNarrowedByJobAndInstanceAndEveryRateUsesTheRateInterval() {
    Pattern selector = Pattern.compile("(layerkit_[a-z0-9_]+)\\{([^}]*)}");
    for (DashboardQuery query : everyBlock().queries()) {
      if (query.location().startsWith("variable")) {
        continue;
      }
      Matcher matcher = selector.matcher(query.expr());
      int selectors = 0;
      while (matcher.find()) {
        selectors++;
        assertThat(matcher.group(2)).as(query.location()).startsWith("job=~\"$job\",instance=~\"$instance\"");
      }
      // No bare metric name without matchers: every name is followed by its braces.
      assertThat(query.expr().split("layerkit_", -1).length - 1).as(query.location()).isEqualTo(selectors);
      assertThat(query.expr().split("rate\\(", -1).length - 1).as(query.location())
          .isEqualTo(query.expr().split("\\[\\$__rate_interval]", -1).length - 1);
    }
  }

  @Test
  void panelsSitOnTheGridWithoutOverlapAndWithUniqueIds() throws Exception {
    JsonNode dashboard = JSON.readTree(everyBlock().toJson());
    Set<Integer> ids = new HashSet<>();
    Set<String> cells = new HashSet<>();
    for (JsonNode panel : dashboard.get("panels")) {
      assertThat(ids.add(panel.get("id").asInt())).as("id %s unique", panel.get("id")).isTrue();
      JsonNode pos = panel.get("gridPos");
      int x = pos.get("x").asInt();
      int w = pos.get("w").asInt();
      assertThat(x + w).isLessThanOrEqualTo(24);
      for (int dy = 0; dy < pos.get("h").asInt(); dy++) {
        for (int dx = 0; dx < w; dx++) {
          assertThat(cells.add((x + dx) + "," + (pos.get("y").asInt() + dy)))
              .as("cell of %s free", panel.get("title")).isTrue();
        }
      }
    }
  }

  @Test
  void theSameDashboardIsTheSameTextOnEveryBuild() {
    assertThat(everyBlock().toJson()).isEqualTo(everyBlock().toJson()).endsWith("}\n")
        .contains("\"schemaVersion\": 42,\n");
    assertThat(everyBlock().toRulesYaml()).isEqualTo(everyBlock().toRulesYaml());
  }

  @Test
  void queriesListTheVariablesThenEveryTargetAndPromqlReplacesGrafanasVariables() {
    List<DashboardQuery> queries = everyBlock().queries();
    assertThat(queries.get(0)).isEqualTo(new DashboardQuery("variable job", "layerkit_health_ready"));
    assertThat(queries.get(2).location()).isEqualTo("panel 2 \"Gateway requests per second\" A");
    assertThat(queries.get(2).promql()).isEqualTo("sum by (route, status) (rate(layerkit_gateway_requests_seconds_count"
        + "{job=~\".+\",instance=~\".+\"}[5m]))");
    assertThat(new DashboardQuery("x", "rate(m{a=~\"${a}\",b=~\"$b\"}[$__interval]) offset $__range").promql())
        .isEqualTo("rate(m{a=~\".+\",b=~\".+\"}[5m]) offset 5m");
    // Two targets of one panel: A and B.
    assertThat(queries).extracting(DashboardQuery::location)
        .contains("panel 4 \"Gateway latency\" A", "panel 4 \"Gateway latency\" B");
  }

  @Test
  void rulesFileHasOneRecordingRulePerQuery() throws Exception {
    GrafanaDashboard dashboard = everyBlock();
    JsonNode rules = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(dashboard.toRulesYaml());
    assertThat(rules.at("/groups/0/name").asText()).isEqualTo("layerkit-overview-queries");
    JsonNode list = rules.at("/groups/0/rules");
    assertThat(list).hasSize(dashboard.queries().size());
    assertThat(list.get(5).get("record").asText()).isEqualTo("dashboard:layerkit_overview:5");
    assertThat(list.get(5).get("expr").asText()).isEqualTo(dashboard.queries().get(5).promql());
  }

  @Test
  void httpServerReadsTheTimerItIsGiven() {
    GrafanaDashboard dashboard = GrafanaDashboard.builder("g", "G")
        .httpServer("layerkit_gateway_requests_seconds").build();
    assertThat(dashboard.queries()).extracting(DashboardQuery::expr)
        .anyMatch(expr -> expr.contains("layerkit_gateway_requests_seconds_bucket"))
        .noneMatch(expr -> expr.contains(GrafanaDashboard.DEFAULT_HTTP_SERVER_TIMER));
    assertThat(GrafanaDashboard.builder("g", "G").httpServer().build().queries()).extracting(DashboardQuery::expr)
        .anyMatch(expr -> expr.contains("layerkit_http_server_requests_seconds_count"));
  }

  @Test
  void badInputGetsAnErrorNamingWhatWasPassed() {
    assertThatThrownBy(() -> GrafanaDashboard.builder("no spaces", "T"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("uid must be 1 to 40 letters, digits, '-' or '_' but was 'no spaces'");
    assertThatThrownBy(() -> GrafanaDashboard.builder("x".repeat(41), "T"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + "x".repeat(41) + "'");
    assertThatThrownBy(() -> GrafanaDashboard.builder("u", " "))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("title must not be blank but was ' '");
    assertThatThrownBy(() -> GrafanaDashboard.builder(null, "T"))
        .isInstanceOf(NullPointerException.class).hasMessage("uid");
    assertThatThrownBy(() -> GrafanaDashboard.builder("u", "T").cache().cache())
        .isInstanceOf(IllegalStateException.class).hasMessage("cache was already set to added");
    assertThatThrownBy(() -> GrafanaDashboard.builder("u", "T").gateway().everyBlock())
        .isInstanceOf(IllegalStateException.class).hasMessage("gateway was already set to added");
    assertThatThrownBy(() -> GrafanaDashboard.builder("u", "T").httpServer("not-a-metric"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timer must be a Prometheus metric name but was 'not-a-metric'");
    assertThatThrownBy(() -> GrafanaDashboard.builder("u", "T").build())
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("no block added");
  }
}
