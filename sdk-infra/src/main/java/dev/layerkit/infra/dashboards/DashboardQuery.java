package dev.layerkit.infra.dashboards;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One PromQL query of a dashboard: a panel's target or the series a template variable reads.
 *
 * <p>{@link #expr()} is the query as Grafana runs it, with Grafana's variables in it ({@code
 * $job}, {@code $instance}, {@code $__rate_interval}); {@link #promql()} is the same query with
 * each variable replaced by a value of its kind, which Prometheus (and {@code promtool}) can
 * parse: the rate interval by {@value #SAMPLE_INTERVAL}, any other variable by the regular
 * expression {@code .+}, since the dashboards use variables only in {@code =~} matchers.
 *
 * <p>Immutable and thread-safe.
 *
 * @param location where the query is, for messages: {@code panel 7 "Cache hit ratio" A} or {@code
 *     variable instance}
 * @param expr the query, in Grafana's form
 */
public record DashboardQuery(String location, String expr) {

  /** What {@link #promql()} puts in place of Grafana's interval variables. */
  public static final String SAMPLE_INTERVAL = "5m";

  private static final Pattern INTERVAL = Pattern.compile("\\$(__rate_interval|__interval|__range)\\b");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{?[A-Za-z_][A-Za-z0-9_]*}?");

  /**
   * Creates a query.
   *
   * @param location where the query is
   * @param expr the query
   * @throws NullPointerException if an argument is null
   */
  public DashboardQuery {
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(expr, "expr");
  }

  /**
   * Returns the query with Grafana's variables replaced, as Prometheus can parse it.
   *
   * @return plain PromQL
   */
  public String promql() {
    String intervals = INTERVAL.matcher(expr).replaceAll(SAMPLE_INTERVAL);
    return VARIABLE.matcher(intervals).replaceAll(Matcher.quoteReplacement(".+"));
  }
}
