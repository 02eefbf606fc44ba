package dev.layerkit.infra.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.test.Promtool;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every query of a dashboard with every block parsed by Prometheus' own {@code promtool}, wrapped
 * in recording rules; promtool must be on the PATH (see {@link Promtool}).
 */
class GrafanaDashboardPromtoolIT {

  @TempDir
  Path dir;

  @Test
  void promtoolParsesEveryQueryOfEveryBlock() throws Exception {
    GrafanaDashboard dashboard = GrafanaDashboardTest.everyBlock();
    Promtool.Result result = Promtool.checkRules(dir, dashboard.toRulesYaml());
    assertThat(result.exitStatus()).as("promtool exit status; output:%n%s", result.output()).isZero();
    assertThat(result.output()).contains("SUCCESS: " + dashboard.queries().size() + " rules found");
  }

  @Test
  void aTypoInAQueryFailsTheCheckAndNamesTheRule() throws Exception {
    String rules = GrafanaDashboardTest.everyBlock().toRulesYaml();
    // The first panel query (rule 2, after the two variables) with "rate" misspelt.
    String broken = rules.replaceFirst("sum by \\(route, status\\) \\(rate\\(", "sum by (route, status) (rat(");
    assertThat(broken).isNotEqualTo(rules);

    Promtool.Result result = Promtool.checkRules(dir, broken);

    assertThat(result.exitStatus()).as("output:%n%s", result.output()).isNotZero();
    assertThat(result.output()).contains("dashboard:layerkit_overview:2").contains("rat");
  }

  @Test
  void anUnbalancedMatcherFailsTheCheck() throws Exception {
    String rules = GrafanaDashboardTest.everyBlock().toRulesYaml();
    String broken = rules.replaceFirst("status=~\\\\?\"5\\.\\.\\\\?\"", "status=~\"5..");
    assertThat(broken).isNotEqualTo(rules);

    Promtool.Result result = Promtool.checkRules(dir, broken);

    assertThat(result.exitStatus()).as("output:%n%s", result.output()).isNotZero();
  }
}
