package dev.layerkit.infra.alerts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.time.Durations;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Prometheus alerting rules for one service, generated from simple service-level objectives over
 * Layerkit's meters.
 *
 * <pre>{@code
 * String rules = PrometheusRules.builder("order-service")
 *     .errorRatio(0.01)                          // more than 1% of requests fail with 5xx
 *     .p99Latency(Duration.ofMillis(250))
 *     .rateLimitDenialRatio(0.05)
 *     .consumerLag(10_000)
 *     .cacheHitRatio(0.8)
 *     .readinessDown(Duration.ofMinutes(2))
 *     .build()
 *     .toYaml();                                 // a rules file for rule_files:
 * }</pre>
 *
 * <h2>What each objective watches</h2>
 *
 * <table>
 *   <caption>Objectives, metrics and severities</caption>
 *   <tr><th>objective</th><th>metric (Prometheus name)</th><th>fires when, for how long</th><th>severity</th></tr>
 *   <tr><td>error ratio</td><td>{@value #HTTP_REQUESTS}{@code _count} by {@code status}</td>
 *       <td>5xx share over 5m above the ratio, 5m</td><td>page</td></tr>
 *   <tr><td>p99 latency</td><td>{@value #HTTP_REQUESTS}{@code _bucket} (a percentile
 *       histogram)</td><td>p99 over 5m above the bound, 10m</td><td>page</td></tr>
 *   <tr><td>rate-limit denials</td><td>{@value #RATE_LIMIT_DECISIONS} by {@code result}</td>
 *       <td>denied share over 5m above the ratio, 10m</td><td>ticket</td></tr>
 *   <tr><td>consumer lag</td><td>{@value #CONSUMER_LAG} by {@code group}, {@code topic}</td>
 *       <td>above the bound, 10m</td><td>ticket</td></tr>
 *   <tr><td>cache hit ratio</td><td>{@value #CACHE_GETS} by {@code result}</td>
 *       <td>hit share over 10m below the ratio, 15m</td><td>ticket</td></tr>
 *   <tr><td>readiness down</td><td>{@value #HEALTH_READY} (from {@code HealthRegistry})</td>
 *       <td>0 on a pod for the given time</td><td>page</td></tr>
 * </table>
 *
 * <p>Series are selected by the label {@link Builder#serviceLabel(String)} (default
 * {@value #DEFAULT_SERVICE_LABEL}, what a {@code labelmap} of pod labels makes of
 * {@code app.kubernetes.io/name}) equal to the service's name. Rules are in one group named
 * {@code <service>-slo}; alert names are the service in CamelCase plus the objective, such as
 * {@code OrderServiceHighErrorRatio}.
 *
 * <p>Immutable and thread-safe.
 */
public final class PrometheusRules {

  /** The label that carries the service's name on every series. */
  public static final String DEFAULT_SERVICE_LABEL = "app_kubernetes_io_name";
  /** The HTTP server timer, Prometheus name without suffix. */
  public static final String HTTP_REQUESTS = "layerkit_http_server_requests_seconds";
  /** The rate limiter's decision counter. */
  public static final String RATE_LIMIT_DECISIONS = "layerkit_ratelimit_decisions_total";
  /** The event consumers' lag gauge, in records. */
  public static final String CONSUMER_LAG = "layerkit_events_consumer_lag";
  /** The cache's get counter. */
  public static final String CACHE_GETS = "layerkit_cache_gets_total";
  /** The readiness gauge of {@code HealthRegistry}: 1 ready, 0 not. */
  public static final String HEALTH_READY = "layerkit_health_ready";

  private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

  private final String service;
  private final List<Map<String, Object>> rules;

  private PrometheusRules(String service, List<Map<String, Object>> rules) {
    this.service = service;
    this.rules = List.copyOf(rules);
  }

  /**
   * Returns a builder for a service's rules.
   *
   * @param service the service's name, as in its {@code ServiceSpec}
   * @return a new builder
   * @throws NullPointerException if {@code service} is null
   * @throws IllegalArgumentException if {@code service} is blank or holds a quote or backslash
   */
  public static Builder builder(String service) {
    return new Builder(service);
  }

  /**
   * Returns the alert names, in rule order.
   *
   * @return the names
   */
  public List<String> alertNames() {
    List<String> names = new ArrayList<>();
    for (Map<String, Object> rule : rules) {
      names.add((String) rule.get("alert"));
    }
    return names;
  }

  /**
   * Renders the rules file: {@code groups:} with one group of alerting rules.
   *
   * @return YAML for Prometheus' {@code rule_files}
   */
  public String toYaml() {
    Map<String, Object> group = new LinkedHashMap<>();
    group.put("name", service + "-slo");
    group.put("rules", rules);
    try {
      return Builder.YAML.writeValueAsString(Map.of("groups", List.of(group)));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("could not render rules for " + service, e);
    }
  }

  @Override
  public String toString() {
    return "PrometheusRules" + alertNames();
  }

  /** Collects the objectives. Not thread-safe; each objective may be given once. */
  public static final class Builder {
    static final YAMLMapper YAML = YAMLMapper.builder()
        .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
        .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
        .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
        .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
        .build();

    private final String service;
    private final String alertPrefix;
    private final BuilderSettings settings = new BuilderSettings();
    private String serviceLabel = DEFAULT_SERVICE_LABEL;
    private String requestsMetric = HTTP_REQUESTS;
    private final Map<String, Objective> objectives = new LinkedHashMap<>();
    /** Each objective's bound by setter name, for the message of a setter called twice. */
    private final Map<String, Object> thresholds = new HashMap<>();

    private Builder(String service) {
      Objects.requireNonNull(service, "service");
      if (service.isBlank() || service.contains("\"") || service.contains("\\")) {
        throw new IllegalArgumentException("service must be a name without quotes or backslashes but was '" + service + "'");
      }
      this.service = service;
      StringBuilder camel = new StringBuilder();
      for (String part : service.split("[^A-Za-z0-9]+")) {
        if (!part.isEmpty()) {
          camel.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
      }
      this.alertPrefix = camel.toString();
    }


    private static double ratio(double value, String name) {
      if (!(value > 0 && value < 1)) {
        throw new IllegalArgumentException(name + " must be in (0, 1) but was " + value);
      }
      return value;
    }

    /**
     * Sets the label that selects this service's series; default {@value #DEFAULT_SERVICE_LABEL}.
     *
     * @param serviceLabel a Prometheus label name, for example {@code job}
     * @return this builder
     * @throws NullPointerException if {@code serviceLabel} is null
     * @throws IllegalArgumentException if it is not a label name
     * @throws IllegalStateException if already set
     */
    public Builder serviceLabel(String serviceLabel) {
      Objects.requireNonNull(serviceLabel, "serviceLabel");
      if (!LABEL.matcher(serviceLabel).matches()) {
        throw new IllegalArgumentException("serviceLabel must be a Prometheus label name but was '" + serviceLabel + "'");
      }
      settings.requireUnset("serviceLabel", this.serviceLabel);
      this.serviceLabel = serviceLabel;
      return this;
    }

    /**
     * Sets the HTTP request timer the error-ratio and latency rules read; default {@value
     * #HTTP_REQUESTS}. A gateway built on {@code dev.layerkit.gateway.http.Gateway} records {@code
     * layerkit_gateway_requests_seconds}. The timer needs a {@code status} label whose value
     * starts with the status digit ({@code 503} or {@code 5xx}) and histogram buckets.
     *
     * @param metric the Prometheus name without suffix
     * @return this builder
     * @throws NullPointerException if {@code metric} is null
     * @throws IllegalArgumentException if it is not a metric name
     * @throws IllegalStateException if already set
     */
    public Builder requestsMetric(String metric) {
      Objects.requireNonNull(metric, "metric");
      if (!LABEL.matcher(metric).matches()) {
        throw new IllegalArgumentException("requestsMetric must be a Prometheus metric name but was '"
            + metric + "'");
      }
      settings.requireUnset("requestsMetric", this.requestsMetric);
      this.requestsMetric = metric;
      return this;
    }

    /**
     * Alerts (page) when more than {@code maxRatio} of HTTP requests answer 5xx over 5 minutes,
     * for 5 minutes.
     *
     * @param maxRatio the largest acceptable share, in (0, 1), for example 0.01
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if already set
     */
    public Builder errorRatio(double maxRatio) {
      ratio(maxRatio, "errorRatio");
      return objective("errorRatio", maxRatio, "HighErrorRatio", sel -> rule("HighErrorRatio",
          share(requestsMetric + "_count", sel, "status=~\"5..\"", "5m") + " > " + number(maxRatio),
          Duration.ofMinutes(5), "page",
          service + " answers more than " + percent(maxRatio) + " of requests with 5xx",
          "5xx ratio is {{ $value | humanizePercentage }} over the last 5 minutes."));
    }

    /**
     * Alerts (page) when the 99th percentile of HTTP request latency over 5 minutes is above
     * {@code maxP99}, for 10 minutes. The timer must publish a percentile histogram.
     *
     * @param maxP99 the bound, positive, whole milliseconds
     * @return this builder
     * @throws NullPointerException if {@code maxP99} is null
     * @throws IllegalArgumentException if not positive or finer than milliseconds
     * @throws IllegalStateException if already set
     */
    public Builder p99Latency(Duration maxP99) {
      Objects.requireNonNull(maxP99, "maxP99");
      if (maxP99.isZero() || maxP99.isNegative() || maxP99.getNano() % 1_000_000 != 0) {
        throw new IllegalArgumentException("maxP99 must be positive whole milliseconds but was " + maxP99);
      }
      BigDecimal seconds = BigDecimal.valueOf(maxP99.toMillis()).movePointLeft(3).stripTrailingZeros();
      return objective("p99Latency", maxP99, "HighP99Latency", sel -> rule("HighP99Latency",
          "histogram_quantile(0.99, sum by (le) (rate(" + requestsMetric + "_bucket{" + sel + "}[5m])))\n  > "
              + seconds.toPlainString(),
          Duration.ofMinutes(10), "page",
          service + " p99 latency is above " + Durations.format(maxP99),
          "p99 latency is {{ $value | humanizeDuration }} over the last 5 minutes."));
    }

    /**
     * Alerts (ticket) when the rate limiter denies more than {@code maxRatio} of decisions over 5
     * minutes, for 10 minutes: limits too tight, or a client misbehaving.
     *
     * @param maxRatio the largest acceptable share, in (0, 1)
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if already set
     */
    public Builder rateLimitDenialRatio(double maxRatio) {
      ratio(maxRatio, "rateLimitDenialRatio");
      return objective("rateLimitDenialRatio", maxRatio, "HighRateLimitDenials", sel -> rule("HighRateLimitDenials",
          share(RATE_LIMIT_DECISIONS, sel, "result=\"denied\"", "5m") + " > " + number(maxRatio),
          Duration.ofMinutes(10), "ticket",
          service + " denies more than " + percent(maxRatio) + " of rate-limited requests",
          "Denied share is {{ $value | humanizePercentage }} over the last 5 minutes."));
    }

    /**
     * Alerts (ticket) when a consumer group lags more than {@code maxRecords} behind on a topic,
     * for 10 minutes. The group's lag is the sum over its members (each pod exports the lag of
     * the partitions assigned to it, so the pods' values add up to the group's); one alert per
     * group and topic.
     *
     * @param maxRecords the largest acceptable lag, positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder consumerLag(long maxRecords) {
      Arguments.positive(maxRecords, "consumerLag");
      return objective("consumerLag", maxRecords, "HighConsumerLag", sel -> rule("HighConsumerLag",
          "sum by (group, topic) (" + CONSUMER_LAG + "{" + sel + "}) > " + maxRecords,
          Duration.ofMinutes(10), "ticket",
          service + " consumer group {{ $labels.group }} lags on {{ $labels.topic }}",
          "Lag is {{ $value }} records, above " + maxRecords + "."));
    }

    /**
     * Alerts (ticket) when the cache's hit share over 10 minutes is below {@code minRatio}, for 15
     * minutes.
     *
     * @param minRatio the smallest acceptable share, in (0, 1)
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if already set
     */
    public Builder cacheHitRatio(double minRatio) {
      ratio(minRatio, "cacheHitRatio");
      return objective("cacheHitRatio", minRatio, "LowCacheHitRatio", sel -> rule("LowCacheHitRatio",
          share(CACHE_GETS, sel, "result=\"hit\"", "10m") + " < " + number(minRatio),
          Duration.ofMinutes(15), "ticket",
          service + " cache hit ratio is below " + percent(minRatio),
          "Hit ratio is {{ $value | humanizePercentage }} over the last 10 minutes."));
    }

    /**
     * Alerts (page) when a pod's readiness has been {@code DOWN} for {@code forAtLeast}. Make it
     * longer than the shutdown deadline so that draining pods do not page.
     *
     * @param forAtLeast how long, positive, whole seconds
     * @return this builder
     * @throws NullPointerException if {@code forAtLeast} is null
     * @throws IllegalArgumentException if not positive whole seconds
     * @throws IllegalStateException if already set
     */
    public Builder readinessDown(Duration forAtLeast) {
      Objects.requireNonNull(forAtLeast, "forAtLeast");
      if (forAtLeast.isZero() || forAtLeast.isNegative() || forAtLeast.getNano() != 0) {
        throw new IllegalArgumentException("readinessDown must be positive whole seconds but was " + forAtLeast);
      }
      return objective("readinessDown", forAtLeast, "NotReady", sel -> rule("NotReady",
          "min by (pod) (" + HEALTH_READY + "{" + sel + "}) == 0",
          forAtLeast, "page",
          service + " pod {{ $labels.pod }} is not ready",
          "Readiness has been DOWN for more than " + Durations.format(forAtLeast) + "; see /health on the pod."));
    }

    /** Records an objective, refusing a second one of the same setting. */
    private Builder objective(String setting, Object threshold, String alert, Objective objective) {
      settings.requireUnset(setting, thresholds.get(setting));
      thresholds.put(setting, threshold);
      objectives.put(alert, objective);
      return this;
    }

    /** The share of a counter's rate whose series also match {@code matcher}, over a window. */
    private static String share(String metric, String selector, String matcher, String window) {
      return "sum(rate(" + metric + "{" + selector + "," + matcher + "}[" + window + "]))\n  / sum(rate(" + metric
          + "{" + selector + "}[" + window + "]))";
    }

    private Map<String, Object> rule(String name, String expr, Duration forDuration, String severity, String summary,
        String description) {
      Map<String, Object> rule = new LinkedHashMap<>();
      rule.put("alert", alertPrefix + name);
      rule.put("expr", expr);
      rule.put("for", Durations.format(forDuration));
      // Ordered maps only: Map.of iterates in a per-JVM random order, and the rules file must be
      // the same text on every run (examples/deploy/alerts.yaml is compared byte for byte).
      Map<String, String> labels = new LinkedHashMap<>();
      labels.put("severity", severity);
      labels.put("service", service);
      rule.put("labels", labels);
      Map<String, String> annotations = new LinkedHashMap<>();
      annotations.put("summary", summary);
      annotations.put("description", description);
      rule.put("annotations", annotations);
      return rule;
    }

    private static String number(double value) {
      return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    private static String percent(double ratio) {
      return BigDecimal.valueOf(ratio).movePointRight(2).stripTrailingZeros().toPlainString() + "%";
    }

    /**
     * Builds the rules.
     *
     * @return the rules, in the order the objectives were given
     * @throws IllegalStateException if no objective was given
     */
    public PrometheusRules build() {
      if (objectives.isEmpty()) {
        throw new IllegalStateException("no objective given: call errorRatio, p99Latency, ... first");
      }
      String selector = serviceLabel + "=\"" + service + "\"";
      List<Map<String, Object>> rules = new ArrayList<>();
      for (Objective objective : objectives.values()) {
        rules.add(objective.rule(selector));
      }
      return new PrometheusRules(service, rules);
    }

    /** Makes a rule once the selector is known, since the label may be set after the objective. */
    @FunctionalInterface
    private interface Objective {
      Map<String, Object> rule(String selector);
    }
  }
}
