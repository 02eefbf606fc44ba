package dev.layerkit.infra.dashboards;

import java.util.List;

/**
 * One time-series panel: a title, what it shows, the unit of its values (a Grafana unit id such as
 * {@code reqps}, {@code percentunit} or {@code s}) and its queries, drawn as lines.
 */
record Panel(String title, String description, String unit, List<Target> targets) {

  Panel {
    targets = List.copyOf(targets);
  }

  static Panel of(String title, String description, String unit, Target... targets) {
    return new Panel(title, description, unit, List.of(targets));
  }

  /** One query of a panel and how its series are named in the legend. */
  record Target(String expr, String legend) {}
}
