package dev.layerkit.infra.deploy;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.time.Durations;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

/**
 * A rule of the Kubernetes Prometheus adapter ({@code kubernetes-sigs/prometheus-adapter}) that
 * serves a counter's per-second rate per pod through the custom metrics API, for a
 * HorizontalPodAutoscaler metric of type {@code Pods} ({@link ServiceSpec.Builder#podMetricAutoscaling}).
 *
 * <pre>{@code
 * PrometheusAdapterRule requests = PrometheusAdapterRule.perSecondRate(
 *     "layerkit_http_server_requests_seconds_count", "layerkit_http_server_requests_per_second",
 *     Duration.ofMinutes(2));
 * ServiceSpec spec = ServiceSpec.builder("order-service", image)
 *     .podMetricAutoscaling(requests.metricName(), "40")
 *     .build();
 * ConfigMap adapterConfig = PrometheusAdapterRule.configMap("prometheus-adapter", "monitoring", List.of(requests));
 * }</pre>
 *
 * <p>The rule finds the counter's series that carry {@code namespace} and {@code pod} labels (the
 * labels the usual pod scrape configuration adds from the pod's metadata, as the Prometheus Helm
 * chart's {@code kubernetes-pods} job and a {@code PodMonitor} do), maps those labels to the
 * namespace and pod resources, and answers with {@code sum(rate(counter[window])) by (pod)}: the
 * requests per second each pod served over the window. The adapter reads the rules from its
 * {@code --config} file; {@link #configMap} renders one holding them under {@value #CONFIG_KEY},
 * which is what the adapter's Helm chart mounts (or copy the rules into its {@code rules.custom}
 * value).
 *
 * <p>Immutable and thread-safe.
 */
public final class PrometheusAdapterRule {

  /** The ConfigMap key the adapter's configuration file is read from. */
  public static final String CONFIG_KEY = "config.yaml";
  /** The series label naming the pod's namespace. */
  public static final String NAMESPACE_LABEL = "namespace";
  /** The series label naming the pod. */
  public static final String POD_LABEL = "pod";

  private static final Pattern METRIC = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final YAMLMapper YAML = YAMLMapper.builder()
      .disable(YAMLWriteFeature.WRITE_DOC_START_MARKER)
      .enable(YAMLWriteFeature.MINIMIZE_QUOTES)
      // A query on one line, as it is read and copied.
      .disable(YAMLWriteFeature.SPLIT_LINES)
      .build();

  private final String counter;
  private final String metricName;
  private final Duration window;

  private PrometheusAdapterRule(String counter, String metricName, Duration window) {
    this.counter = counter;
    this.metricName = metricName;
    this.window = window;
  }

  /**
   * Returns a rule serving the per-second rate of a counter, per pod, under another name.
   *
   * @param counter the counter's series as Prometheus stores it, such as {@code
   *     layerkit_http_server_requests_seconds_count} (a timer's count) or {@code ..._total}
   * @param metricName the name the custom metrics API serves the rate under, which the
   *     autoscaler's {@code Pods} metric names; not the counter's own name
   * @param window the rate's window, whole seconds, at least 1 s; at least twice the scrape
   *     interval so each window holds two samples
   * @return the rule
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if a name is not a Prometheus metric name, the two names
   *     are equal, or the window is not whole seconds of at least 1 s
   */
  public static PrometheusAdapterRule perSecondRate(String counter, String metricName, Duration window) {
    metric(counter, "counter");
    metric(metricName, "metricName");
    if (counter.equals(metricName)) {
      throw new IllegalArgumentException("metricName must differ from the counter (the adapter would serve the rate"
          + " under the counter's name) but both were '" + counter + "'");
    }
    Objects.requireNonNull(window, "window");
    if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.getNano() != 0) {
      throw new IllegalArgumentException("window must be whole seconds of at least 1s but was " + window);
    }
    return new PrometheusAdapterRule(counter, metricName, window);
  }

  private static void metric(String name, String what) {
    Objects.requireNonNull(name, what);
    if (!METRIC.matcher(name).matches()) {
      throw new IllegalArgumentException(what + " must be a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) but was '"
          + name + "'");
    }
  }

  /**
   * Returns the counter the rule reads.
   *
   * @return the series name
   */
  public String counter() {
    return counter;
  }

  /**
   * Returns the name the custom metrics API serves the rate under.
   *
   * @return the metric name
   */
  public String metricName() {
    return metricName;
  }

  /**
   * Returns the rate's window.
   *
   * @return the window
   */
  public Duration window() {
    return window;
  }

  /**
   * Returns the rule's {@code seriesQuery}: the counter's series that carry the namespace and pod
   * labels.
   *
   * @return a PromQL series selector
   */
  public String seriesQuery() {
    return counter + "{" + NAMESPACE_LABEL + "!=\"\"," + POD_LABEL + "!=\"\"}";
  }

  /**
   * Returns the rule's {@code metricsQuery}, a template the adapter fills in with the series
   * ({@code <<.Series>>}), the label matchers of the pods asked for ({@code <<.LabelMatchers>>})
   * and the grouping label ({@code <<.GroupBy>>}).
   *
   * @return the template
   */
  public String metricsQuery() {
    return "sum(rate(<<.Series>>{<<.LabelMatchers>>}[" + Durations.format(window) + "])) by (<<.GroupBy>>)";
  }

  /**
   * Returns the query the adapter runs for the pods of one namespace, as it fills the template
   * in: for checking it with {@code promtool} or running it by hand.
   *
   * @param namespace the namespace
   * @param podRegex a regular expression matching the pods' names, such as {@code order-service-.*}
   * @return a PromQL expression
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if an argument is blank
   */
  public String queryFor(String namespace, String podRegex) {
    Arguments.notBlank(namespace, "namespace");
    Arguments.notBlank(podRegex, "podRegex");
    String matchers = NAMESPACE_LABEL + "=\"" + escape(namespace) + "\"," + POD_LABEL + "=~\"" + escape(podRegex) + "\"";
    return metricsQuery().replace("<<.Series>>", counter).replace("<<.LabelMatchers>>", matchers)
        .replace("<<.GroupBy>>", POD_LABEL);
  }

  private static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  /** The rule as the adapter's configuration file holds it. */
  private Map<String, Object> toMap() {
    Map<String, Object> rule = new LinkedHashMap<>();
    rule.put("seriesQuery", seriesQuery());
    rule.put("resources", Map.of("overrides", orderedMap(
        NAMESPACE_LABEL, Map.of("resource", "namespace"),
        POD_LABEL, Map.of("resource", "pod"))));
    rule.put("name", orderedMap("matches", "^" + counter + "$", // a metric name holds no regex metacharacters
        "as", metricName));
    rule.put("metricsQuery", metricsQuery());
    return rule;
  }

  private static Map<String, Object> orderedMap(String k1, Object v1, String k2, Object v2) {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put(k1, v1);
    map.put(k2, v2);
    return map;
  }

  /**
   * Renders the adapter's configuration file holding rules: {@code rules:} and one entry each.
   *
   * @param rules the rules, at least one, with distinct metric names
   * @return the file's YAML
   * @throws NullPointerException if {@code rules} or an element is null
   * @throws IllegalArgumentException if {@code rules} is empty or two rules serve one name
   */
  public static String toConfigYaml(List<PrometheusAdapterRule> rules) {
    Objects.requireNonNull(rules, "rules");
    if (rules.isEmpty()) {
      throw new IllegalArgumentException("rules must not be empty but was []");
    }
    List<Map<String, Object>> entries = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (PrometheusAdapterRule rule : rules) {
      Objects.requireNonNull(rule, "rules element");
      if (names.contains(rule.metricName)) {
        throw new IllegalArgumentException("two rules serve metric " + rule.metricName + "; names must be distinct");
      }
      names.add(rule.metricName);
      entries.add(rule.toMap());
    }
    return YAML.writeValueAsString(Map.of("rules", entries));
  }

  /**
   * Returns a ConfigMap holding the adapter's configuration file under {@value #CONFIG_KEY}.
   *
   * @param name the ConfigMap's name, a DNS label
   * @param namespace the namespace the adapter runs in, or null to leave it to {@code kubectl}
   * @param rules the rules, as {@link #toConfigYaml(List)}
   * @return the ConfigMap
   * @throws NullPointerException if {@code name}, {@code rules} or an element is null
   * @throws IllegalArgumentException if {@code name} is blank, {@code rules} empty or two rules
   *     serve one name
   */
  public static ConfigMap configMap(String name, @Nullable String namespace, List<PrometheusAdapterRule> rules) {
    Arguments.notBlank(name, "name");
    ObjectMetaBuilder meta = new ObjectMetaBuilder().withName(name)
        .addToLabels("app.kubernetes.io/managed-by", "layerkit");
    if (namespace != null) {
      meta.withNamespace(namespace);
    }
    return new ConfigMapBuilder().withMetadata(meta.build()).addToData(CONFIG_KEY, toConfigYaml(rules)).build();
  }

  @Override
  public String toString() {
    return "PrometheusAdapterRule{" + counter + " -> " + metricName + " over " + Durations.format(window) + '}';
  }
}
