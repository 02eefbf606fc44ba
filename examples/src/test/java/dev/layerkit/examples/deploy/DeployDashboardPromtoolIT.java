package dev.layerkit.examples.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layerkit.infra.dashboards.DashboardQuery;
import dev.layerkit.test.Promtool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every query of the committed {@code examples/deploy} dashboard, read from the JSON file itself
 * (panel targets and template variables), parsed by Prometheus' {@code promtool}: a typo in a
 * query fails the build. promtool must be on the PATH (see {@link Promtool}).
 */
class DeployDashboardPromtoolIT {

  private static final Path DASHBOARD = Path.of(System.getProperty("basedir", ".")).toAbsolutePath()
      .resolve("deploy").resolve(DeployFiles.DASHBOARD_FILE);
  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.*), *[a-zA-Z_][a-zA-Z0-9_]*\\)");

  @TempDir
  Path dir;

  /** The file's queries: each variable's series, then each panel target's expression. */
  static List<DashboardQuery> queriesOf(Path dashboardFile) throws IOException {
    JsonNode dashboard = new ObjectMapper().readTree(Files.readString(dashboardFile));
    List<DashboardQuery> queries = new ArrayList<>();
    for (JsonNode variable : dashboard.at("/templating/list")) {
      if (variable.get("type").asText().equals("query")) {
        Matcher matcher = LABEL_VALUES.matcher(variable.get("query").asText());
        assertThat(matcher.matches()).as("variable query %s", variable.get("query")).isTrue();
        queries.add(new DashboardQuery("variable " + variable.get("name").asText(), matcher.group(1)));
      }
    }
    for (JsonNode panel : dashboard.get("panels")) {
      for (JsonNode target : panel.path("targets")) {
        queries.add(new DashboardQuery("panel " + panel.get("id") + " " + panel.get("title") + " "
            + target.get("refId").asText(), target.get("expr").asText()));
      }
    }
    return queries;
  }

  @Test
  void promtoolParsesEveryQueryOfTheCommittedDashboard() throws Exception {
    List<DashboardQuery> queries = queriesOf(DASHBOARD);
    // What the generator renders (DeployFilesTest: the same text as the file).
    assertThat(queries).isEqualTo(DeployFiles.dashboard().queries());
    StringBuilder rules = new StringBuilder("groups:\n- name: deploy-dashboard\n  rules:\n");
    ObjectMapper json = new ObjectMapper();
    for (int i = 0; i < queries.size(); i++) {
      // A JSON string is a YAML flow scalar: no escaping of our own.
      rules.append("  - record: deploy_dashboard:query_").append(i).append('\n')
          .append("    expr: ").append(json.writeValueAsString(queries.get(i).promql())).append('\n');
    }

    Promtool.Result result = Promtool.checkRules(dir, rules.toString());

    assertThat(result.exitStatus()).as("promtool exit status; output:%n%s", result.output()).isZero();
    assertThat(result.output()).contains("SUCCESS: " + queries.size() + " rules found");
  }
}
