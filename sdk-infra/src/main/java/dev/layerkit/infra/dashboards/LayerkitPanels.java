package dev.layerkit.infra.dashboards;

import dev.layerkit.infra.alerts.PrometheusRules;
import dev.layerkit.infra.dashboards.Panel.Target;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The panels of each block, over the meters the SDK registers, by their Prometheus names (dots
 * become {@code _}; a counter ends in {@code _total}; a timer is {@code _seconds_count}, {@code
 * _seconds_sum}, {@code _seconds_max} and, with a percentile histogram, {@code _seconds_bucket}).
 * The names are here and nowhere else; examples' {@code DashboardMetricNamesTest} runs the blocks
 * and fails when a query reads a name no block exports.
 *
 * <p>Every selector carries {@link #SELECTOR}, so the dashboard's {@code job} and {@code
 * instance} variables narrow every panel; every rate is over {@code $__rate_interval}.
 */
final class LayerkitPanels {

  /** The matchers of the dashboard's template variables. */
  static final String SELECTOR = "job=~\"$job\",instance=~\"$instance\"";
  /** The series the template variables list their values from: every admin server exports it. */
  static final String VARIABLE_SOURCE = "layerkit_health_ready";

  static final String GATEWAY_REQUESTS = "layerkit_gateway_requests_seconds";
  static final String GATEWAY_UPSTREAM_ERRORS = "layerkit_gateway_upstream_errors_total";
  static final String GATEWAY_RETRIES = "layerkit_gateway_retries_total";
  static final String GATEWAY_RATE_LIMITED = "layerkit_gateway_ratelimit_denied_total";
  static final String GATEWAY_FORBIDDEN = "layerkit_gateway_authorization_denied_total";
  static final String RATE_LIMIT_DECISIONS = "layerkit_ratelimit_decisions_total";
  static final String LB_PICKS = "layerkit_lb_picks_total";
  static final String LB_OUTSTANDING = "layerkit_lb_outstanding";
  static final String LB_ENDPOINTS = "layerkit_lb_endpoints";
  static final String LB_PANIC = "layerkit_lb_panic";
  static final String SERVICE_CLIENT_CALLS = "layerkit_service_client_calls_seconds";
  static final String SERVICE_CLIENT_ATTEMPTS = "layerkit_service_client_attempts_total";
  static final String SERVICE_CLIENT_DENIED = "layerkit_service_client_retries_denied_total";
  static final String IDEMPOTENCY_REQUESTS = "layerkit_idempotency_requests_total";
  static final String SAGA_FINISHED = "layerkit_saga_finished_total";
  static final String SAGA_STEPS = "layerkit_saga_steps_total";
  static final String SAGA_STEP_DURATION = "layerkit_saga_step_duration_seconds";
  static final String SAGA_COMPENSATIONS = "layerkit_saga_compensations_total";
  static final String SAGA_RESUMED = "layerkit_saga_resumed_total";
  static final String CACHE_GETS = "layerkit_cache_gets_total";
  static final String CACHE_LOADS = "layerkit_cache_loads_total";
  static final String CACHE_LOAD_DURATION = "layerkit_cache_load_duration_seconds";
  static final String CACHE_EVICTIONS = "layerkit_cache_evictions_total";
  static final String CACHE_ERRORS = "layerkit_cache_errors_total";
  /** Each shard's circuit breaker times every call to the shard: the store's shard latency. */
  static final String BREAKER_CALLS = "layerkit_resilience_circuitbreaker_calls_seconds";
  static final String BREAKER_STATE = "layerkit_resilience_circuitbreaker_state";
  static final String SHARD_FAILURES = "layerkit_store_shard_failures_total";
  static final String SCATTER_QUERIES = "layerkit_store_scatter_queries_total";
  static final String EVENTS_PUBLISHED = "layerkit_events_published_total";
  static final String EVENTS_PUBLISH_FAILED = "layerkit_events_publish_failed_total";
  static final String EVENTS_HANDLED = "layerkit_events_handled_total";
  static final String EVENTS_RETRIED = "layerkit_events_retried_total";
  static final String EVENTS_DEAD_LETTERED = "layerkit_events_dead_lettered_total";
  static final String HEALTH_CHECK_STATUS = "layerkit_health_check_status";

  /** Shard breakers are named {@code <repository>-shard-<n>} by {@code ShardedRepository}. */
  private static final String SHARDS = "name=~\".+-shard-[0-9]+\"";

  private LayerkitPanels() {}

  /**
   * Returns a block's panels.
   *
   * @param block the block
   * @param httpServerTimer the HTTP server timer without suffix, read by {@link Block#HTTP_SERVER}
   */
  static List<Panel> of(Block block, String httpServerTimer) {
    switch (block) {
      case GATEWAY:
        return gateway();
      case RATE_LIMITER:
        return rateLimiter();
      case LOAD_BALANCER:
        return loadBalancer();
      case HTTP_SERVER:
        return httpServer(httpServerTimer);
      case SERVICE_CLIENT:
        return serviceClient();
      case IDEMPOTENCY:
        return idempotency();
      case SAGA:
        return saga();
      case CACHE:
        return cache();
      case STORE:
        return store();
      case EVENTS:
        return events();
      case HEALTH:
        return health();
      default:
        throw new AssertionError(block);
    }
  }

  private static List<Panel> gateway() {
    return List.of(
        Panel.of("Gateway requests per second", "Requests the gateway answered, by route and status class.",
            "reqps", target(sumRate("route, status", GATEWAY_REQUESTS + "_count", null), "{{route}} {{status}}")),
        Panel.of("Gateway 5xx share", "The share of each route's requests answered with a 5xx status.",
            "percentunit", target(share("route", GATEWAY_REQUESTS + "_count", "status=~\"5..\""), "{{route}}")),
        Panel.of("Gateway latency", "99th and 50th percentile of the time to answer, by route.", "s",
            target(quantile("0.99", "route", GATEWAY_REQUESTS), "p99 {{route}}"),
            target(quantile("0.5", "route", GATEWAY_REQUESTS), "p50 {{route}}")),
        Panel.of("Upstream errors and retries", "Upstream tries that failed, and tries sent again, per second.",
            "ops", target(sumRate("route", GATEWAY_UPSTREAM_ERRORS, null), "errors {{route}}"),
            target(sumRate("route", GATEWAY_RETRIES, null), "retries {{route}}")),
        Panel.of("Refused requests", "Requests refused by the route's rate limit (429) or authorization (403).",
            "reqps", target(sumRate("route", GATEWAY_RATE_LIMITED, null), "429 {{route}}"),
            target(sumRate("route", GATEWAY_FORBIDDEN, null), "403 {{route}}")));
  }

  private static List<Panel> rateLimiter() {
    return List.of(
        Panel.of("Rate-limit decisions", "Decisions of each rate limiter per second, allowed and denied.", "ops",
            target(sumRate("name, result", RATE_LIMIT_DECISIONS, null), "{{name}} {{result}}")),
        Panel.of("Rate-limit denied share", "The share of each limiter's decisions that denied.", "percentunit",
            target(share("name", RATE_LIMIT_DECISIONS, "result=\"denied\""), "{{name}}")));
  }

  private static List<Panel> loadBalancer() {
    return List.of(
        Panel.of("Picks per endpoint", "Requests each balancer sent to each endpoint, per second.", "reqps",
            target(sumRate("name, endpoint", LB_PICKS, null), "{{name}} {{endpoint}}")),
        Panel.of("Outstanding requests per endpoint", "Requests picked for an endpoint and not yet completed.",
            "short", target("sum by (name, endpoint) (" + LB_OUTSTANDING + "{" + SELECTOR + "})",
                "{{name}} {{endpoint}}")),
        Panel.of("Endpoints by state", "Endpoints available, ejected by outlier detection or failing health "
                + "checks; panic is 1 while too few are healthy and all are used.", "short",
            target("sum by (name, state) (" + LB_ENDPOINTS + "{" + SELECTOR + "})", "{{name}} {{state}}"),
            target("max by (name) (" + LB_PANIC + "{" + SELECTOR + "})", "{{name}} panic")));
  }

  private static List<Panel> httpServer(String timer) {
    return List.of(
        Panel.of("Service requests per second", "Requests each service instance answered, by status class.",
            "reqps", target(sumRate("name, status", timer + "_count", null), "{{name}} {{status}}")),
        Panel.of("Service 5xx share", "The share of each instance's requests answered with a 5xx status.",
            "percentunit", target(share("name", timer + "_count", "status=~\"5..\""), "{{name}}")),
        Panel.of("Service latency", "99th and 50th percentile of the time to answer, by instance.", "s",
            target(quantile("0.99", "name", timer), "p99 {{name}}"),
            target(quantile("0.5", "name", timer), "p50 {{name}}")));
  }

  private static List<Panel> serviceClient() {
    return List.of(
        Panel.of("Service client calls", "Calls to each service per second, by outcome.", "reqps",
            target(sumRate("name, outcome", SERVICE_CLIENT_CALLS + "_count", null), "{{name}} {{outcome}}")),
        Panel.of("Service client failed share", "The share of calls to each service that did not succeed.",
            "percentunit", target(share("name", SERVICE_CLIENT_CALLS + "_count", "outcome!=\"success\""),
                "{{name}}")),
        Panel.of("Service client latency", "Mean and largest time of a call, retries and hedges included.", "s",
            target(mean("name", SERVICE_CLIENT_CALLS), "mean {{name}}"),
            target("max by (name) (" + SERVICE_CLIENT_CALLS + "_max{" + SELECTOR + "})", "max {{name}}")),
        Panel.of("Service client attempts", "Attempts per second by kind (first, retry, hedge), and retries "
                + "the retry budget refused.", "ops",
            target(sumRate("name, kind", SERVICE_CLIENT_ATTEMPTS, null), "{{name}} {{kind}}"),
            target(sumRate("name", SERVICE_CLIENT_DENIED, null), "{{name}} denied by budget")));
  }

  private static List<Panel> idempotency() {
    return List.of(Panel.of("Idempotency keys", "Requests with an Idempotency-Key per second, by outcome: "
            + "executed, replayed, in flight (409), key reused (422), failed.", "reqps",
        target(sumRate("name, outcome", IDEMPOTENCY_REQUESTS, null), "{{name}} {{outcome}}")));
  }

  private static List<Panel> saga() {
    return List.of(
        Panel.of("Sagas finished per second", "Sagas that ended, by status (completed, compensated, failed), "
                + "and sagas another instance resumed after their lease lapsed.", "ops",
            target(sumRate("name, status", SAGA_FINISHED, null), "{{name}} {{status}}"),
            target(sumRate("name", SAGA_RESUMED, null), "{{name}} resumed")),
        Panel.of("Saga steps per second", "Steps run per second by outcome, and compensations run by outcome.",
            "ops",
            target(sumRate("name, step, outcome", SAGA_STEPS, null), "{{name}} {{step}} {{outcome}}"),
            target(sumRate("name, step, outcome", SAGA_COMPENSATIONS, null),
                "{{name}} undo {{step}} {{outcome}}")),
        Panel.of("Saga step time", "The mean time of each step, its calls to other services included.", "s",
            target(mean("name, step", SAGA_STEP_DURATION), "{{name}} {{step}}")));
  }

  private static List<Panel> cache() {
    return List.of(
        Panel.of("Cache hit ratio", "The share of each cache's gets answered from the cache.", "percentunit",
            target(share("name", CACHE_GETS, "result=\"hit\""), "{{name}}")),
        Panel.of("Cache gets", "Gets per second by outcome: hit, miss, stale.", "ops",
            target(sumRate("name, result", CACHE_GETS, null), "{{name}} {{result}}")),
        Panel.of("Cache loads", "Loads per second by outcome.", "ops",
            target(sumRate("name, result", CACHE_LOADS, null), "{{name}} {{result}}")),
        Panel.of("Cache load time", "Mean time of a load.", "s",
            target(mean("name", CACHE_LOAD_DURATION), "{{name}}")),
        Panel.of("Cache evictions and errors", "Entries evicted for size, and remote calls that failed, per "
                + "second.", "ops",
            target(sumRate("name", CACHE_EVICTIONS, null), "evictions {{name}}"),
            target(sumRate("name", CACHE_ERRORS, null), "errors {{name}}")));
  }

  private static List<Panel> store() {
    return List.of(
        Panel.of("Shard latency", "Mean and largest time of a call to each shard, as its circuit breaker "
                + "times it.", "s",
            target("sum by (name) (rate(" + BREAKER_CALLS + "_sum{" + SELECTOR + "," + SHARDS
                + "}[$__rate_interval]))\n  / sum by (name) (rate(" + BREAKER_CALLS + "_count{" + SELECTOR + ","
                + SHARDS + "}[$__rate_interval]))", "mean {{name}}"),
            target("max by (name) (" + BREAKER_CALLS + "_max{" + SELECTOR + "," + SHARDS + "})", "max {{name}}")),
        Panel.of("Shard calls", "Calls to each shard per second by outcome; a caller's error, such as a "
                + "version conflict, counts as successful: the shard answered.", "ops",
            target(sumRate("name, kind", BREAKER_CALLS + "_count", SHARDS), "{{name}} {{kind}}")),
        Panel.of("Shards unavailable", "1 while a shard's breaker is open and its calls fail at once.", "short",
            target("max by (name) (" + BREAKER_STATE + "{" + SELECTOR + "," + SHARDS
                + ",state=~\"open|forced_open\"})", "{{name}}")),
        Panel.of("Shard failures and scatter queries", "Shard calls that failed and opened the breaker, and "
                + "queries sent to every shard, per second.", "ops",
            target(sumRate("name", SHARD_FAILURES, null), "failures {{name}}"),
            target(sumRate("name", SCATTER_QUERIES, null), "scatter {{name}}")));
  }

  private static List<Panel> events() {
    return List.of(
        Panel.of("Events published", "Events stored by publishers per second, and publishes that failed.",
            "ops", target(sumRate("topic", EVENTS_PUBLISHED, null), "{{topic}}"),
            target(sumRate("topic", EVENTS_PUBLISH_FAILED, null), "failed {{topic}}")),
        Panel.of("Events handled", "Events each group's handlers handled per second.", "ops",
            target(sumRate("group, topic", EVENTS_HANDLED, null), "{{group}} on {{topic}}")),
        Panel.of("Retries and dead letters", "Failed handler calls to be retried, and events sent to the "
                + "dead-letter topic, per second.", "ops",
            target(sumRate("group, topic", EVENTS_RETRIED, null), "retried {{group}} on {{topic}}"),
            target(sumRate("group, topic", EVENTS_DEAD_LETTERED, null), "dead-lettered {{group}} on {{topic}}")),
        Panel.of("Consumer lag", "Events of a topic not yet handled by a group, summed over its members.",
            "short", target("sum by (group, topic) (" + PrometheusRules.CONSUMER_LAG + "{" + SELECTOR + "})",
                "{{group}} on {{topic}}")));
  }

  private static List<Panel> health() {
    return List.of(
        Panel.of("Ready instances", "Instances whose readiness is UP or DEGRADED, of all that report.", "short",
            target("sum by (job) (" + PrometheusRules.HEALTH_READY + "{" + SELECTOR + "})", "ready {{job}}"),
            target("count by (job) (" + PrometheusRules.HEALTH_READY + "{" + SELECTOR + "})", "all {{job}}")),
        Panel.of("Health checks", "The worst status of each check over the instances: 1 up, 0.5 degraded, "
                + "0 down.", "short",
            target("min by (check) (" + HEALTH_CHECK_STATUS + "{" + SELECTOR + "})", "{{check}}")));
  }

  private static Target target(String expr, String legend) {
    return new Target(expr, legend);
  }

  private static String rate(String metric, @Nullable String matcher) {
    return "rate(" + metric + "{" + SELECTOR + (matcher == null ? "" : "," + matcher) + "}[$__rate_interval])";
  }

  private static String sumRate(String by, String metric, @Nullable String matcher) {
    return "sum by (" + by + ") (" + rate(metric, matcher) + ")";
  }

  /** The share of a counter's rate whose series also match {@code matcher}, per {@code by}. */
  private static String share(String by, String metric, String matcher) {
    return sumRate(by, metric, matcher) + "\n  / " + sumRate(by, metric, null);
  }

  /** The mean of a timer's recordings: the rate of its sum over the rate of its count. */
  private static String mean(String by, String timer) {
    return sumRate(by, timer + "_sum", null) + "\n  / " + sumRate(by, timer + "_count", null);
  }

  private static String quantile(String q, String by, String timer) {
    return "histogram_quantile(" + q + ", sum by (le, " + by + ") (" + rate(timer + "_bucket", null) + "))";
  }
}
