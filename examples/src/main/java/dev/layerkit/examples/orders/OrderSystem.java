package dev.layerkit.examples.orders;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layerkit.cache.CacheAside;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.resilience.ResiliencePolicy;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.EventSubscriber;
import dev.layerkit.events.Subscription;
import dev.layerkit.gateway.http.Auth;
import dev.layerkit.gateway.http.Gateway;
import dev.layerkit.gateway.http.KeyResolver;
import dev.layerkit.gateway.http.ResponseCache;
import dev.layerkit.gateway.http.Route;
import dev.layerkit.gateway.http.StaticFiles;
import dev.layerkit.gateway.http.Upstream;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancer;
import dev.layerkit.gateway.lb.LoadBalancers;
import dev.layerkit.gateway.lb.OutlierDetection;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.infra.AdminServer;
import dev.layerkit.infra.HealthRegistry;
import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.OptimisticLockException;
import dev.layerkit.store.Repository;
import dev.layerkit.store.sharding.ScatterPolicy;
import dev.layerkit.store.sharding.ShardedRepository;
import dev.layerkit.store.sharding.ShardingStrategies;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seven-layer order system in one process: the web page and the API behind the gateway,
 * {@value #SHARDS}-shard store, cache, events with a live dashboard, and an admin server.
 *
 * <pre>{@code
 * try (OrderSystem system = OrderSystem.start(OrderSystemOptions.embeddedOnFreePorts())) {
 *   URI api = system.gatewayUri().resolve("/api/orders");
 * }
 * }</pre>
 *
 * <p>{@link #close()} drains in the reverse order of the layers: the gateway stops taking
 * requests and finishes those in flight, then the services, the event subscription, the bus and
 * the store.
 */
public final class OrderSystem implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(OrderSystem.class);

  /** The number of store shards. */
  public static final int SHARDS = 4;

  private final OrderSystemOptions options;
  private final Closer closeables = new Closer();
  private final List<OrderHttpServer> services = new ArrayList<>();
  private final @Nullable Gateway gateway;
  private final AdminServer admin;
  private final @Nullable Dashboard dashboard;
  private final @Nullable OrderService orderService;
  private final @Nullable CacheAside<String, Order> cache;
  private final @Nullable LoadBalancer balancer;
  private Backends backends;

  /** Which parts one process runs: all of them, one order-service instance, or the gateway. */
  enum Role { ALL, SERVICE, GATEWAY }

  private OrderSystem(OrderSystemOptions options, String namespace, Role role,
      List<Endpoint> remoteServices, int servicePort) throws IOException {
    this.options = options;
    TimeSource time = TimeSource.system();
    ObjectMapper json = new ObjectMapper()
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
    HealthRegistry health = HealthRegistry.builder().build();
    closeables.push(health);
    admin = AdminServer.builder(health).port(options.adminPort()).version("example").start();
    closeables.push(admin);
    MeterRegistry meters = admin.meterRegistry();
    try {
      backends = options.production() ? new ProductionBackends(options, namespace)
          : new MemoryBackends(meters);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    closeables.push(backends);

    io.micrometer.core.instrument.composite.CompositeMeterRegistry gatewayMeters =
        new io.micrometer.core.instrument.composite.CompositeMeterRegistry();
    if (role != Role.SERVICE) {
      gatewayMeters.add(meters);
    }
    List<Endpoint> endpoints = new ArrayList<>(remoteServices);
    if (role == Role.GATEWAY) {
      orderService = null;
      cache = null;
      dashboard = null;
    } else {
      // 5. Database: orders sharded by id over four shards; idempotency keys likewise.
      EntityDescriptor<String, Order> orderType = EntityDescriptor.builder(Order.class, Order::id)
          .version(Order::version, Order::withVersion)
          .codec(Codecs.json(Order.class))
          .index("customerId", "createdAt")
          .build();
      EntityDescriptor<String, IdempotencyRecord> claimType =
          EntityDescriptor.builder(IdempotencyRecord.class, IdempotencyRecord::key)
              .idField("key")
              .version(IdempotencyRecord::version,
                  (record, version) -> new IdempotencyRecord(record.key(), record.orderId(), version))
              .codec(Codecs.json(IdempotencyRecord.class))
              .build();
      ShardedRepository<String, Order> orders = sharded("orders", backends.shards("orders", orderType));
      ShardedRepository<String, IdempotencyRecord> claims =
          sharded("idempotency", backends.shards("idempotency", claimType));
      health.register(orders.healthCheck(), true, "ready");

      // 4. Cache: cache-aside over Caffeine (memory) or Caffeine in front of Redis (production).
      cache = CacheAside.<String, Order>builder(backends.orderCache(meters))
          .name("orders").ttl(Duration.ofMinutes(5)).meterRegistry(meters).build();

      // 6. Data processing: order events, aggregated for the dashboard.
      EventPublisher<OrderEvent> publisher = backends.publisher();
      closeables.push(publisher::close);
      EventSubscriber<OrderEvent> subscriber = backends.subscriber(meters);
      closeables.push(subscriber::close);
      for (HealthCheck check : backends.healthChecks()) {
        health.register(check);
      }

      // 3. Application: the order service instances.
      ResiliencePolicy reads = ResiliencePolicy.builder("orders-reads").withRetry().maxAttempts(3)
          .initialBackoff(Duration.ofMillis(20)).withCircuitBreaker()
          .recordOn(failure -> !(failure instanceof OptimisticLockException)).build();
      ResiliencePolicy writes = ResiliencePolicy.builder("orders-writes").withCircuitBreaker()
          .recordOn(failure -> !(failure instanceof OptimisticLockException)).build();
      OrderWriter writer = closeables.push(backends.orderWriter(orders, publisher));
      orderService = new OrderService(orders, claims, cache, writer, reads, writes, new Catalog(),
          new Customers(), time);

      dashboard = new Dashboard(health, () -> cache, gatewayMeters);
      Subscription subscription = subscriber.subscribe(backends.topic(),
          // Every process's dashboard sees every event: one consumer group per process.
          namespace + "-dashboard-" + (role == Role.SERVICE ? servicePort : "all"), dashboard);
      closeables.push(subscription::close);

      Catalog catalog = new Catalog();
      Customers customers = new Customers();
      int instances = role == Role.SERVICE ? 1 : options.serviceInstances();
      for (int i = 1; i <= instances; i++) {
        String name = role == Role.SERVICE ? "order-service-" + namespace + "-" + servicePort
            : "order-service-" + i;
        OrderHttpServer service = new OrderHttpServer(name, role == Role.SERVICE ? servicePort : 0,
            orderService, dashboard, catalog, customers, json, meters);
        services.add(service);
        closeables.push(service);
        endpoints.add(Endpoint.builder("127.0.0.1", service.port()).id(service.name()).build());
      }
    }
    if (role == Role.SERVICE) {
      gateway = null;
      balancer = null;
      return;
    }

    // 2. Gateway: API key, per-key rate limit, balancing with outlier ejection, retries,
    // the catalog cached, the page served.
    balancer = LoadBalancers.leastRequest().serviceName("order-service")
        .endpointSource(EndpointSource.of(endpoints))
        .outlierDetection(OutlierDetection.builder().consecutiveFailures(3)
            .baseEjectionTime(Duration.ofSeconds(10)).build())
        .meterRegistry(meters)
        .build();
    closeables.push(balancer);
    // An instance that dies fails all its in-flight requests at once; a budget that covers them
    // lets every idempotent one be retried elsewhere, and the cap still stops retry storms.
    Upstream upstream = Upstream.builder("order-service", balancer).retryBudget(50, 32).build();
    Auth apiKey = Auth.apiKeys().addKey("demo", options.apiKey()).build();
    var limiter = backends.rateLimiter(RateLimitPolicy.of(
        Limit.greedy(options.ratePerSecond() * 2L, options.ratePerSecond(), Duration.ofSeconds(1))), meters);
    ResponseCache responses = ResponseCache.builder().build();
    gateway = Gateway.builder()
        .port(options.gatewayPort())
        .meterRegistry(gatewayMeters)
        .route(Route.builder("catalog").pathPrefix("/api/catalog").methods("GET").stripPrefix("/api")
            .auth(apiKey).rateLimit(limiter, KeyResolver.apiKey()).responseCache(responses)
            .upstream(upstream).build())
        .route(Route.builder("api").pathPrefix("/api").stripPrefix("/api")
            .auth(apiKey).rateLimit(limiter, KeyResolver.apiKey()).maxRetries(2)
            .upstream(upstream).build())
        .route(Route.builder("web").pathPrefix("/").methods("GET", "HEAD")
            .staticFiles(StaticFiles.fromClasspath("web", OrderSystem.class.getClassLoader()))
            .build())
        .build()
        .start();
    closeables.push(gateway);
    health.register(gateway.healthCheck(), true, "ready");
    health.register(balancer.healthCheck());
  }

  private static <T> ShardedRepository<String, T> sharded(String name,
      List<Repository<String, T>> shards) {
    return ShardedRepository.builder(shards).name(name).strategy(ShardingStrategies.jumpHash())
        .scatterPolicy(ScatterPolicy.ALLOW).build();
  }

  /**
   * Starts every layer.
   *
   * @param options how
   * @return the running system
   * @throws IllegalArgumentException if the options cannot be run
   * @throws UncheckedIOException if a port cannot be bound
   */
  public static OrderSystem start(OrderSystemOptions options) {
    return start(options, "layerkit");
  }

  /**
   * Starts every layer, with the production backends' tables, keys and topic under a namespace
   * (so that several systems, or tests, can share servers).
   *
   * @param options how
   * @param namespace lower-case letters, digits and {@code _}, starting with a letter
   * @return the running system
   */
  static OrderSystem start(OrderSystemOptions options, String namespace) {
    try {
      return new OrderSystem(options, namespace, Role.ALL, List.of(), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the order system: " + e.getMessage(), e);
    }
  }

  /**
   * Starts the parts of one role, for running the layers as separate processes.
   *
   * @param options how
   * @param namespace as for {@link #start(OrderSystemOptions, String)}
   * @param role what this process runs
   * @param services for the gateway role, the order-service instances to balance over
   * @param servicePort for the service role, its port
   * @return the running parts
   */
  static OrderSystem start(OrderSystemOptions options, String namespace, Role role,
      List<Endpoint> services, int servicePort) {
    if (role == Role.SERVICE && !options.production()) {
      throw new IllegalArgumentException("--role=service needs --backends=production: instances in"
          + " separate processes share state only through real servers");
    }
    if (role == Role.GATEWAY && services.isEmpty()) {
      throw new IllegalArgumentException("--role=gateway needs --services=host:port,...");
    }
    try {
      return new OrderSystem(options, namespace, role, services, servicePort);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the order system: " + e.getMessage(), e);
    }
  }

  /**
   * Returns the gateway's base URI (the page is at {@code /}, the API under {@code /api}).
   *
   * @return the URI
   */
  public URI gatewayUri() {
    return URI.create("http://127.0.0.1:" + require(gateway, "gateway").port() + "/");
  }

  /**
   * Returns the admin server's base URI ({@code /health/ready}, {@code /metrics}).
   *
   * @return the URI
   */
  public URI adminUri() {
    return admin.uri();
  }

  /**
   * Returns the API key clients must send.
   *
   * @return the key
   */
  public String apiKey() {
    return options.apiKey();
  }

  Gateway gateway() {
    return require(gateway, "gateway");
  }

  List<OrderHttpServer> services() {
    return List.copyOf(services);
  }

  LoadBalancer balancer() {
    return require(balancer, "balancer");
  }

  Dashboard dashboard() {
    return require(dashboard, "dashboard");
  }

  OrderService orderService() {
    return require(orderService, "orderService");
  }

  CacheAside<String, Order> cache() {
    return require(cache, "cache");
  }

  private static <T> T require(@Nullable T part, String name) {
    if (part == null) {
      throw new IllegalStateException("this process does not run the " + name);
    }
    return part;
  }

  /** Makes the cache's Redis unreachable (the chaos switch, production only). */
  void breakCache() {
    backends.breakCache();
  }

  String backendsKind() {
    return backends.kind();
  }

  /** Stops one order-service instance abruptly, as a crash would (the chaos switch). */
  void killService(int index) {
    OrderHttpServer victim = services.get(index);
    log.warn("chaos: stopping {}", victim.name());
    victim.close();
  }

  @Override
  public void close() {
    closeables.close();
  }
}
