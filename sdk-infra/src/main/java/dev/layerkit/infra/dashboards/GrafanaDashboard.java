package dev.layerkit.infra.dashboards;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.infra.alerts.PrometheusRules;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A Grafana dashboard over Layerkit's meters: a row per layer, in each the panels of the blocks
 * asked for, with the request rate, errors and latency of the gateway and the services, rate-limit
 * denials, balancing, cache hit ratio, shard latency, event throughput and consumer lag, and
 * readiness.
 *
 * <pre>{@code
 * String json = GrafanaDashboard.builder("layerkit-overview", "Layerkit overview")
 *     .gateway().rateLimiter().loadBalancer()   // 2. gateway
 *     .httpServer().idempotency()                // 3. application
 *     .cache().store().events().health()         // 4. to 7.
 *     .build()
 *     .toJson();                                 // for Grafana's "Import dashboard"
 * }</pre>
 *
 * <h2>What the dashboard holds</h2>
 *
 * <p>Grafana's classic JSON model at schema version 42, the last of that model: what "Import
 * dashboard", the HTTP API and file provisioning read, and what Grafana 13 converts to its newer
 * resource model on import. Panels are time series, one line per label set. Three template
 * variables: {@code datasource} (a Prometheus data source, chosen at import), {@code job} and
 * {@code instance} (multi-valued, "All" by default, listed from {@code layerkit_health_ready},
 * which every {@code AdminServer} exports). Every query selects {@code
 * job=~"$job",instance=~"$instance"} and rates over {@code $__rate_interval}.
 *
 * <h2>Checking the queries</h2>
 *
 * <p>{@link #queries()} lists every query, those of the template variables included, and {@link
 * #toRulesYaml()} wraps each in a Prometheus recording rule, so that {@code promtool check rules}
 * parses every one: a typo in a function, a matcher or a bracket fails there instead of showing an
 * empty panel. promtool does not know which metrics exist; Layerkit's own build also runs the
 * blocks and checks that every metric a query reads is exported.
 *
 * <p>Immutable and thread-safe.
 */
public final class GrafanaDashboard {

  /** The timer {@link Builder#httpServer()} reads, as {@link PrometheusRules} does. */
  public static final String DEFAULT_HTTP_SERVER_TIMER = PrometheusRules.HTTP_REQUESTS;

  /** The template variables after {@code datasource}, each listing its values from a series. */
  static final List<Variable> VARIABLES = List.of(
      new Variable("job", LayerkitPanels.VARIABLE_SOURCE),
      new Variable("instance", LayerkitPanels.VARIABLE_SOURCE + "{job=~\"$job\"}"));

  private static final Pattern UID = Pattern.compile("[A-Za-z0-9_-]{1,40}");

  private final String uid;
  private final String title;
  private final List<Row> rows;

  private GrafanaDashboard(String uid, String title, List<Row> rows) {
    this.uid = uid;
    this.title = title;
    this.rows = List.copyOf(rows);
  }

  /**
   * Returns a builder.
   *
   * @param uid the dashboard's uid in Grafana: 1 to 40 letters, digits, {@code -} or {@code _};
   *     importing a dashboard with the same uid again replaces it
   * @param title the dashboard's title
   * @return a new builder
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code uid} is not such a name or {@code title} is blank
   */
  public static Builder builder(String uid, String title) {
    return new Builder(uid, title);
  }

  /**
   * Returns the dashboard's uid.
   *
   * @return the uid
   */
  public String uid() {
    return uid;
  }

  /**
   * Returns the dashboard's title.
   *
   * @return the title
   */
  public String title() {
    return title;
  }

  /**
   * Returns every PromQL query of the dashboard: first the series the template variables read,
   * then each panel's targets in the order of the panels.
   *
   * @return the queries
   */
  public List<DashboardQuery> queries() {
    List<DashboardQuery> queries = new ArrayList<>();
    for (Variable variable : VARIABLES) {
      queries.add(new DashboardQuery("variable " + variable.name(), variable.series()));
    }
    for (Row row : rows) {
      for (NumberedPanel numbered : row.panels()) {
        char refId = 'A';
        for (Panel.Target target : numbered.panel().targets()) {
          queries.add(new DashboardQuery("panel " + numbered.id() + " \"" + numbered.panel().title() + "\" "
              + refId++, target.expr()));
        }
      }
    }
    return queries;
  }

  /**
   * Renders the dashboard as Grafana's JSON model, for "Import dashboard", the HTTP API or file
   * provisioning.
   *
   * @return the JSON, ending in a newline
   */
  public String toJson() {
    return DashboardJson.render(uid, title, rows);
  }

  /**
   * Renders every query as a recording rule of one group named {@code <uid>-queries}, for {@code
   * promtool check rules}: each rule is named {@code dashboard:<uid>:<n>} (the uid with {@code -}
   * as {@code _}, {@code n} the query's index in {@link #queries()}) and its expression is the
   * query's {@link DashboardQuery#promql()}. The rules are for checking, not for loading into
   * Prometheus.
   *
   * @return YAML of a Prometheus rules file
   */
  public String toRulesYaml() {
    List<Map<String, Object>> rules = new ArrayList<>();
    String prefix = "dashboard:" + uid.replace('-', '_') + ":";
    List<DashboardQuery> queries = queries();
    for (int i = 0; i < queries.size(); i++) {
      Map<String, Object> rule = new LinkedHashMap<>();
      rule.put("record", prefix + i);
      rule.put("expr", queries.get(i).promql());
      rules.add(rule);
    }
    Map<String, Object> group = new LinkedHashMap<>();
    group.put("name", uid + "-queries");
    group.put("rules", rules);
    try {
      return Builder.YAML.writeValueAsString(Map.of("groups", List.of(group)));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("could not render the queries of " + uid, e);
    }
  }

  @Override
  public String toString() {
    return "GrafanaDashboard[" + uid + "]";
  }

  /** A template variable: its name and the series whose label of that name it lists. */
  record Variable(String name, String series) {}

  /** A panel with its id in the dashboard. */
  record NumberedPanel(int id, Panel panel) {}

  /** A row (one layer) with its id and its panels. */
  record Row(int id, String title, List<NumberedPanel> panels) {}

  /**
   * Collects the blocks to show. Not thread-safe; each block may be added once. The rows come in
   * the order of the layers whatever the order of the calls.
   */
  public static final class Builder {
    static final YAMLMapper YAML = YAMLMapper.builder()
        .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
        .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
        .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
        // One line per expression, as promtool prints it back in its messages.
        .disable(YAMLGenerator.Feature.SPLIT_LINES)
        .build();

    private final String uid;
    private final String title;
    private final BuilderSettings settings = new BuilderSettings();
    private final Map<Block, List<Panel>> blocks = new EnumMap<>(Block.class);

    private Builder(String uid, String title) {
      Objects.requireNonNull(uid, "uid");
      Objects.requireNonNull(title, "title");
      if (!UID.matcher(uid).matches()) {
        throw new IllegalArgumentException("uid must be 1 to 40 letters, digits, '-' or '_' but was '" + uid + "'");
      }
      if (title.isBlank()) {
        throw new IllegalArgumentException("title must not be blank but was '" + title + "'");
      }
      this.uid = uid;
      this.title = title;
    }

    private Builder add(String setting, Block block, String httpServerTimer) {
      settings.requireUnset(setting, "added");
      blocks.put(block, LayerkitPanels.of(block, httpServerTimer));
      return this;
    }

    private Builder add(String setting, Block block) {
      return add(setting, block, DEFAULT_HTTP_SERVER_TIMER);
    }

    /**
     * Adds the gateway's panels ({@code layerkit_gateway_*}): requests per second by route and
     * status class, 5xx share, p99 and p50 latency, upstream errors and retries, requests refused
     * with 429 or 403.
     *
     * @return this builder
     * @throws IllegalStateException if already added
     */
    public Builder gateway() {
      return add("gateway", Block.GATEWAY);
    }

    /**
     * Adds the rate limiters' panels ({@code layerkit_ratelimit_decisions_total}): decisions by
     * result and the denied share, per limiter {@code name}.
     *
     * @return this builder
     * @throws IllegalStateException if already added
     */
    public Builder rateLimiter() {
      return add("rateLimiter", Block.RATE_LIMITER);
    }

    /**
     * Adds the load balancers' panels ({@code layerkit_lb_*}): picks and outstanding requests per
     * endpoint, endpoints by state and panic mode.
     *
     * @return this builder
     * @throws IllegalStateException if already added
     */
    public Builder loadBalancer() {
      return add("loadBalancer", Block.LOAD_BALANCER);
    }

    /**
     * Adds the HTTP server panels over {@value #DEFAULT_HTTP_SERVER_TIMER}: requests per second
     * by status class, 5xx share, p99 and p50 latency, per instance {@code name}.
     *
     * @return this builder
     * @throws IllegalStateException if already added
     * @see #httpServer(String)
     */
    public Builder httpServer() {
      return add("httpServer", Block.HTTP_SERVER);
    }

    /**
     * Adds the HTTP server panels over another timer. The timer needs a {@code name} tag, a
     * {@code status} tag whose value starts with the status digit ({@code 503} or {@code 5xx}) and
     * a percentile histogram, as for {@link PrometheusRules.Builder#requestsMetric(String)}.
     *
     * @param timer the timer's Prometheus name without suffix, such as {@code
     *     layerkit_http_server_requests_seconds}
     * @return this builder
     * @throws NullPointerException if {@code timer} is null
     * @throws IllegalArgumentException if it is not a metric name
     * @throws IllegalStateException if already added
     */
    public Builder httpServer(String timer) {
      Objects.requireNonNull(timer, "timer");
      if (!timer.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
        throw new IllegalArgumentException("timer must be a Prometheus metric name but was '" + timer + "'");
      }
      return add("httpServer", Block.HTTP_SERVER, timer);
    }

    /**
     * Adds the {@code ServiceClient} panels ({@code layerkit_service_client_*}): calls by
     * outcome, failed share, mean and largest call time, attempts by kind and retries the budget
     * refused, per service {@code name}.
     *
     * @return this builder
     * @throws IllegalStateException if already added
     */
    public Builder serviceClient() {
      return add("serviceClient", Block.SERVICE_CLIENT);
    }

    /**
     * Adds the {@code Idempotency} panel ({@code layerkit_idempotency_requests_total}): requests
     * with a key by outcome.
     *
     * @return this builder
     * @throws IllegalStateException if already added
     */
    public Builder idempotency() {
      return add("idempotency", Block.IDEMPOTENCY);
    }

    /**
     * Adds the {@code Saga} panels ({@code layerkit_saga_*}): sagas finished by status and resumed
     * after a lapsed lease, steps and compensations by outcome, and mean step time, per saga
     * {@code name}. The saga needs a meter registry.
     *
     * @return this builder
     * @throws IllegalStateException if already added
     */
    public Builder saga() {
      return add("saga", Block.SAGA);
    }

    /**
     * Adds the cache panels ({@code layerkit_cache_*}): hit ratio, gets by outcome, loads, mean
     * load time, evictions and remote errors, per cache {@code name}.
     *
     * @return this builder
     * @throws IllegalStateException if already added
     */
    public Builder cache() {
      return add("cache", Block.CACHE);
    }

    /**
     * Adds the sharded store's panels: shard latency (mean and largest, from each shard's circuit
     * breaker, {@code layerkit_resilience_circuitbreaker_calls_seconds} of breakers named {@code
     * <repository>-shard-<n>}), shard calls by outcome, shards unavailable, shard failures and
     * scatter queries. The repository needs a meter registry and a non-zero {@code
     * unavailableFor} (its default).
     *
     * @return this builder
     * @throws IllegalStateException if already added
     */
    public Builder store() {
      return add("store", Block.STORE);
    }

    /**
     * Adds the event panels ({@code layerkit_events_*}): published and failed publishes per topic,
     * handled per group, retries and dead letters, and consumer lag per group and topic (a Kafka
     * subscriber's gauge, summed over the group's members).
     *
     * @return this builder
     * @throws IllegalStateException if already added
     */
    public Builder events() {
      return add("events", Block.EVENTS);
    }

    /**
     * Adds the infrastructure panels ({@code layerkit_health_*}): ready instances of all, and the
     * worst status of each health check.
     *
     * @return this builder
     * @throws IllegalStateException if already added
     */
    public Builder health() {
      return add("health", Block.HEALTH);
    }

    /**
     * Adds every block, the HTTP server over {@value #DEFAULT_HTTP_SERVER_TIMER}.
     *
     * @return this builder
     * @throws IllegalStateException if a block was already added
     */
    public Builder everyBlock() {
      return gateway().rateLimiter().loadBalancer().httpServer().serviceClient().idempotency().saga().cache()
          .store().events().health();
    }

    /**
     * Builds the dashboard: panels numbered from 1, rows included, in the order of the layers.
     *
     * @return the dashboard
     * @throws IllegalStateException if no block was added
     */
    public GrafanaDashboard build() {
      if (blocks.isEmpty()) {
        throw new IllegalStateException("no block added: call gateway(), cache(), ... or everyBlock() first");
      }
      Map<Block.Layer, List<Panel>> byLayer = new EnumMap<>(Block.Layer.class);
      blocks.forEach((block, panels) -> byLayer.computeIfAbsent(block.layer, l -> new ArrayList<>()).addAll(panels));
      List<Row> rows = new ArrayList<>();
      int id = 1;
      for (Map.Entry<Block.Layer, List<Panel>> layer : byLayer.entrySet()) {
        int rowId = id++;
        List<NumberedPanel> panels = new ArrayList<>();
        for (Panel panel : layer.getValue()) {
          panels.add(new NumberedPanel(id++, panel));
        }
        rows.add(new Row(rowId, layer.getKey().title, List.copyOf(panels)));
      }
      return new GrafanaDashboard(uid, title, rows);
    }
  }
}
