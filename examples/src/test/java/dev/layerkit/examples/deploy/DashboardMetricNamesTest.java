package dev.layerkit.examples.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layerkit.cache.CacheAside;
import dev.layerkit.cache.Caches;
import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.events.EventBuses;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.InMemoryEventBus;
import dev.layerkit.events.RetryPolicy;
import dev.layerkit.gateway.http.Auth;
import dev.layerkit.gateway.http.Gateway;
import dev.layerkit.gateway.http.KeyResolver;
import dev.layerkit.gateway.http.Route;
import dev.layerkit.gateway.http.Upstream;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancer;
import dev.layerkit.gateway.lb.LoadBalancers;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import dev.layerkit.gateway.ratelimit.RateLimiters;
import dev.layerkit.infra.HealthRegistry;
import dev.layerkit.infra.dashboards.DashboardQuery;
import dev.layerkit.infra.dashboards.GrafanaDashboard;
import dev.layerkit.service.Sagas;
import dev.layerkit.service.ServiceClient;
import dev.layerkit.service.idempotency.Idempotency;
import dev.layerkit.service.idempotency.IdempotencyKeyStores;
import dev.layerkit.service.saga.Saga;
import dev.layerkit.service.saga.SagaRecord;
import dev.layerkit.service.saga.SagaResult;
import dev.layerkit.service.saga.SagaStatus;
import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Repositories;
import dev.layerkit.store.Repository;
import dev.layerkit.store.sharding.ShardedRepository;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every metric a dashboard query reads is one the SDK's blocks export: the blocks run here in
 * memory on one {@link PrometheusMeterRegistry}, its scrape gives the names, and the names the
 * queries read must be among them. promtool parses a query but cannot know that a meter was
 * renamed; this test does.
 *
 * <p>Two meters need a server and are checked by {@code DashboardMetricNamesIT} instead: a Kafka
 * subscriber's lag gauge and the order service's HTTP timer. This test asserts that exactly those
 * are missing here, so a third missing name fails it.
 */
class DashboardMetricNamesTest {

  /** Read by the dashboards, exported only by a process with a server (see the IT). */
  static final Set<String> SERVER_ONLY = Set.of(
      "layerkit_events_consumer_lag",
      "layerkit_http_server_requests_seconds_bucket",
      "layerkit_http_server_requests_seconds_count");

  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left",
      "group_right", "bool", "offset", "and", "or", "unless", "atan2", "inf", "nan");

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    registry.close();
  }

  /**
   * Returns the metric names a PromQL query reads: the identifiers left once strings, label
   * matchers, ranges and grouping lists are gone, that neither call (a function or an
   * aggregation) nor are keywords.
   */
  static Set<String> metricNames(String promql) {
    String text = STRING.matcher(promql).replaceAll("\"\"");
    text = text.replaceAll("\\{[^}]*}", " ").replaceAll("\\[[^]]*]", " ");
    text = GROUPING.matcher(text).replaceAll(" ");
    Set<String> names = new TreeSet<>();
    Matcher identifier = IDENTIFIER.matcher(text);
    while (identifier.find()) {
      String name = identifier.group();
      String after = text.substring(identifier.end()).stripLeading();
      boolean number = identifier.start() > 0 && Character.isDigit(text.charAt(identifier.start() - 1));
      if (!after.startsWith("(") && !KEYWORDS.contains(name) && !number) {
        names.add(name);
      }
    }
    return names;
  }

  /** Returns the sample names of a Prometheus text exposition. */
  static Set<String> exportedNames(String scrape) {
    Set<String> names = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      Matcher name = IDENTIFIER.matcher(line);
      if (!line.startsWith("#") && name.lookingAt()) {
        names.add(name.group());
      }
    }
    return names;
  }

  /** Every metric the dashboards read, with the first query that reads it. */
  static Map<String, String> metricsRead() {
    Map<String, String> read = new TreeMap<>();
    for (GrafanaDashboard dashboard : List.of(DeployFiles.dashboard(),
        GrafanaDashboard.builder("every-block", "Every block").everyBlock().build())) {
      for (DashboardQuery query : dashboard.queries()) {
        for (String name : metricNames(query.expr())) {
          read.putIfAbsent(name, dashboard.uid() + " " + query.location());
        }
      }
    }
    return read;
  }

  @Test
  void everyMetricTheDashboardsReadIsExportedByTheBlocks() throws Exception {
    runEveryBlock();
    Set<String> exported = exportedNames(registry.scrape());
    Map<String, String> read = metricsRead();
    assertThat(read).hasSizeGreaterThan(30);

    Map<String, String> missing = new TreeMap<>(read);
    missing.keySet().removeAll(exported);

    assertThat(missing.keySet())
        .as("metrics read by a query but exported by no block (renamed?): %s%nexported: %s", missing, exported)
        .isEqualTo(SERVER_ONLY);
  }

  @Test
  void metricNamesFindsEveryMetricOfAQueryAndNothingElse() {
    assertThat(metricNames("sum by (route, status) (rate(layerkit_gateway_requests_seconds_count"
        + "{job=~\"$job\",status=~\"5..\"}[$__rate_interval]))\n  / sum by (route) (rate(other_total{a=\"b}\"}[5m]))"))
        .containsExactly("layerkit_gateway_requests_seconds_count", "other_total");
    assertThat(metricNames("histogram_quantile(0.99, sum by (le, name) (rate(x_bucket{a=\"b\"}[5m])))"))
        .containsExactly("x_bucket");
    assertThat(metricNames("max by (name) (y_max{state=~\"open|forced_open\"}) > 0.5 or count by (job) (up)"))
        .containsExactly("up", "y_max");
    // A misspelt name is a name like any other: it is then missing from the scrape.
    assertThat(metricNames("rate(layerkit_cache_getz_total{job=~\"$job\"}[$__rate_interval])"))
        .containsExactly("layerkit_cache_getz_total");
  }

  @Test
  void exportedNamesReadsTheSampleLinesOfAScrape() {
    assertThat(exportedNames("# HELP a_total A\n# TYPE a_total counter\na_total{x=\"1\"} 3.0\nb 1\n"))
        .containsExactly("a_total", "b");
  }

  /**
   * Runs each block once on the registry, far enough that its meters exist: most register when
   * built; the event counters on the first event of a topic, so events are published, fail,
   * are handled, retried and dead-lettered.
   */
  private void runEveryBlock() throws Exception {
    // 2. Gateway, rate limiter, load balancer: registered when built (the gateway is not started).
    LoadBalancer balancer = LoadBalancers.roundRobin().serviceName("order-service")
        .endpointSource(EndpointSource.of(List.of(Endpoint.builder("127.0.0.1", 9).id("order-service-1").build())))
        .meterRegistry(registry).build();
    closeables.add(balancer::close);
    RateLimiter limiter = RateLimiters.inMemory(RateLimitPolicy.of(Limit.greedy(10, 10, Duration.ofSeconds(1))))
        .name("api").meterRegistry(registry).build();
    Gateway gateway = Gateway.builder().port(0).meterRegistry(registry)
        .route(Route.builder("api").pathPrefix("/api")
            .auth(Auth.apiKeys().addKey("demo", "key").build())
            .rateLimit(limiter, KeyResolver.apiKey())
            .upstream(Upstream.builder("order-service", balancer).build()).build())
        .build();
    closeables.add(gateway::close);

    // 3. Application: a service client and idempotency keys.
    ServiceClient client = ServiceClient.builder("inventory")
        .endpointSource(EndpointSource.of(List.of(Endpoint.builder("127.0.0.1", 9).build())))
        .meterRegistry(registry).build();
    closeables.add(client::close);
    Idempotency.builder(IdempotencyKeyStores.inMemory().build()).name("orders").meterRegistry(registry).build();
    // A saga that completes, one whose failed step is compensated, and one resumed from the record
    // of an instance that died (its lease long lapsed).
    Repository<String, SagaRecord> sagaRecords = Sagas.inMemoryRepository();
    Saga<String> saga = Sagas.builder("place-order", sagaRecords, Codecs.utf8())
        .step("reserve", c -> "reserved", c -> { })
        .step("charge", c -> {
          if (c.input().equals("declined")) {
            throw new IllegalStateException("declined");
          }
          return "charged";
        })
        .meterRegistry(registry).build();
    closeables.add(saga::close);
    assertThat(saga.run("s-1", "approved").status()).isEqualTo(SagaStatus.COMPLETED);
    assertThat(saga.run("s-2", "declined").status()).isEqualTo(SagaStatus.COMPENSATED);
    sagaRecords.save(new SagaRecord("s-3", "place-order", SagaStatus.RUNNING, "approved", 0, Map.of(), Map.of(),
        null, "a-dead-instance", 0, 0, 0, List.of(), 0));
    assertThat(saga.resumeStale()).extracting(SagaResult::status).containsExactly(SagaStatus.COMPLETED);

    // 4. Cache.
    CacheAside<String, String> cache = CacheAside.<String, String>builder(Caches.<String, String>inMemory())
        .name("orders").meterRegistry(registry).build();
    assertThat(cache.get("k", key -> "v")).isEqualTo("v");

    // 5. Store: two shards, each with its breaker; one write goes through a shard's breaker.
    EntityDescriptor<String, Item> items = EntityDescriptor.builder(Item.class, Item::id)
        .version(Item::version, Item::withVersion).codec(Codecs.json(Item.class)).build();
    List<Repository<String, Item>> shards = List.of(Repositories.inMemory(items).build(),
        Repositories.inMemory(items).build());
    ShardedRepository<String, Item> store = ShardedRepository.builder(shards).name("orders")
        .meterRegistry(registry).build();
    closeables.add(store::close);
    store.save(new Item("i-1", 0));

    // 6. Events: published, a publish that fails to encode, handled, retried and dead-lettered.
    InMemoryEventBus bus = EventBuses.inMemory().partitions(1).meterRegistry(registry).build();
    closeables.add(bus::close);
    EventPublisher<String> publisher = bus.publisher(Codecs.utf8());
    publisher.publish("orders", "k", "placed").join();
    Codec<String> refusing = new Codec<>() {
      @Override
      public byte[] encode(String value) {
        throw new IllegalArgumentException("cannot encode " + value);
      }

      @Override
      public String decode(byte[] bytes) {
        throw new IllegalArgumentException("cannot decode");
      }

      @Override
      public String typeName() {
        return "refusing";
      }
    };
    assertThat(bus.publisher(refusing).publish("orders", "k", "poison"))
        .failsWithin(Duration.ofSeconds(10)).withThrowableOfType(java.util.concurrent.ExecutionException.class);
    closeables.add(bus.subscriber(Codecs.utf8()).subscribe("orders", "billing", event -> {}));
    closeables.add(bus.subscriber(Codecs.utf8(), RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ZERO)
        .build()).subscribe("orders", "audit", event -> {
          throw new IllegalStateException("refused " + event.payload());
        }));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(exportedNames(registry.scrape()))
        .contains("layerkit_events_handled_total", "layerkit_events_retried_total",
            "layerkit_events_dead_lettered_total"));

    // 7. Infrastructure: readiness and a check.
    HealthRegistry health = HealthRegistry.builder().meterRegistry(registry).build();
    closeables.add(health::close);
    health.register(HealthCheck.of("store", () -> Health.up().build()));
  }

  /** A stored item. */
  record Item(String id, long version) {
    Item withVersion(long next) {
      return new Item(id, next);
    }
  }
}
