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
import dev.layerkit.gateway.ratelimit.RateLimiter;
import dev.layerkit.infra.AdminServer;
import dev.layerkit.infra.HealthRegistry;
import dev.layerkit.infra.Lifecycle;
import dev.layerkit.infra.LifecycleException;
import dev.layerkit.service.ServiceClient;
import dev.layerkit.service.ServiceClientBuilder;
import dev.layerkit.service.idempotency.Idempotency;
import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.OptimisticLockException;
import dev.layerkit.store.Repository;
import dev.layerkit.store.sharding.ScatterPolicy;
import dev.layerkit.store.sharding.ShardedRepository;
import dev.layerkit.store.sharding.ShardingStrategies;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
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
 * The seven-layer order system: the web page and the API behind the gateway, order-service
 * instances, a cache, a {@value #SHARDS}-shard store, events with a live dashboard, and an admin
 * server.
 *
 * <pre>{@code
 * try (OrderSystem system = OrderSystem.start(OrderSystemOptions.embeddedOnFreePorts())) {
 *   URI api = system.gatewayUri().resolve("/api/orders");
 * }
 * }</pre>
 *
 * <p>Each layer has one method below, in the order of the layers, 1 (client) to 7
 * (infrastructure); each registers its parts with a {@link Lifecycle} as components that name
 * the layers they need. The lifecycle starts them in dependency order (infrastructure first, the
 * gateway last), and {@link #close()} (or SIGTERM, once {@link #lifecycle()} has its shutdown
 * hook) takes the process out of rotation, drains in the reverse order (the gateway finishes
 * the requests in flight, then the order services, then the event subscription) and stops
 * every part.
 */
public final class OrderSystem implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(OrderSystem.class);

  /** The number of store shards. */
  public static final int SHARDS = 4;

  private final OrderSystemOptions options;
  private final String namespace;
  private final Role role;
  private final HealthRegistry health = HealthRegistry.builder().initialPhase(HealthRegistry.Phase.STARTING).build();
  private final Lifecycle lifecycle;
  /** Where every block reports its observations (the example's tracer), NOOP when not traced. */
  private final ObservationRegistry observations;
  /** What the gateway records and the dashboard reads; the admin registry unless a service. */
  private final CompositeMeterRegistry gatewayMeters = new CompositeMeterRegistry();
  private final List<OrderHttpServer> services = new ArrayList<>();
  private final Downstream downstream;
  private @Nullable SupportServices support;
  private @Nullable OrderTotalsSubscriber subscriber;
  private @Nullable PlaceOrderSaga placeOrder;
  private @Nullable AdminServer admin;
  private @Nullable Backends backends;
  private @Nullable ShardedRepository<String, Order> orders;
  private @Nullable Idempotency idempotency;
  private @Nullable CacheAside<String, Order> cache;
  private @Nullable EventPublisher<OrderEvent> publisher;
  private @Nullable Dashboard dashboard;
  private @Nullable OrderService orderService;
  private @Nullable LoadBalancer balancer;
  private @Nullable Gateway gateway;
  private @Nullable RateLimiter limiter;

  /**
   * Which parts one process runs: all of them, one order-service instance, the gateway, one
   * instance of the inventory or payment service, or one instance of the order-totals subscriber.
   */
  enum Role {
    ALL, SERVICE, GATEWAY, INVENTORY, PAYMENT, SUBSCRIBER;

    /** Whether this role runs the order service and its layers (cache, store, events). */
    boolean runsOrders() {
      return this == ALL || this == SERVICE;
    }

    /** Whether this role runs only the inventory or the payment service. */
    boolean isSupport() {
      return this == INVENTORY || this == PAYMENT;
    }
  }

  /**
   * Where an order-service process finds the inventory and payment services it calls: the
   * instances given ({@code --inventory}, {@code --payment}: fixed, or discovered through DNS with
   * {@code --discovery=dns}), or, when neither is given, the ones this process runs itself.
   *
   * @param inventory the inventory service's instances, null when in process
   * @param payment the payment service's instances, null when in process
   */
  record Downstream(@Nullable RemoteServices inventory, @Nullable RemoteServices payment) {
    /** The services run in this process. */
    static final Downstream IN_PROCESS = new Downstream((RemoteServices) null, null);

    /**
     * Fixed instances of each; empty lists for the services in process.
     *
     * @param inventory the inventory service's instances
     * @param payment the payment service's instances
     */
    Downstream(List<Endpoint> inventory, List<Endpoint> payment) {
      this(inventory.isEmpty() ? null : RemoteServices.at(inventory), payment.isEmpty() ? null : RemoteServices.at(payment));
    }

    boolean inProcess() {
      return inventory == null && payment == null;
    }
  }

  private OrderSystem(OrderSystemOptions options, String namespace, Role role, RemoteServices remote,
      ObservationRegistry observations, Downstream downstream) {
    this.options = options;
    this.observations = observations;
    this.namespace = namespace;
    this.role = role;
    this.lifecycle = Lifecycle.builder().healthRegistry(health)
        // Kubernetes' preStop hook already waits before SIGTERM (see examples/deploy); locally
        // nothing routes to this process but itself, so draining starts at once.
        .preStopDelay(Duration.ZERO)
        .shutdownDeadline(options.shutdownDeadline())
        .build();
    this.downstream = downstream;
    Route page = clientLayer();
    gatewayLayer(page, remote);
    applicationLayer(remote);
    cacheLayer();
    databaseLayer();
    dataProcessingLayer();
    infrastructureLayer();
  }

  /** 1. Client: the web page (localStorage and ETags), served by the gateway; {@code OrderClient} is the Java one. */
  private Route clientLayer() {
    return Route.builder("web").pathPrefix("/").methods("GET", "HEAD")
        .staticFiles(StaticFiles.fromClasspath("web", OrderSystem.class.getClassLoader()))
        .build();
  }

  /**
   * 2. Gateway: API key, per-key rate limit, balancing with outlier ejection, retries, the
   * catalog cached, the page served. Drains first: in-flight requests finish, new ones are refused.
   */
  private void gatewayLayer(Route page, RemoteServices remote) {
    if (role != Role.ALL && role != Role.GATEWAY) {
      return;
    }
    lifecycle.register(Lifecycle.Component.of("gateway", () -> {
      List<Endpoint> endpoints = new ArrayList<>(remote.endpoints());
      for (OrderHttpServer service : services) {
        endpoints.add(Endpoint.builder("127.0.0.1", service.port()).id(service.name()).build());
      }
      // Discovered instances (a headless Service's pods) follow their source; others are fixed.
      LoadBalancer balancer = LoadBalancers.leastRequest().serviceName("order-service")
          .endpointSource(services.isEmpty() ? remote.endpointSource() : EndpointSource.of(endpoints))
          .outlierDetection(OutlierDetection.builder().consecutiveFailures(3)
              .baseEjectionTime(Duration.ofSeconds(10)).build())
          .meterRegistry(meters())
          .build();
      this.balancer = balancer;
      // An instance that dies fails all its in-flight requests at once; a budget that covers them
      // lets every idempotent one be retried elsewhere, and the cap still stops retry storms.
      Upstream upstream = Upstream.builder("order-service", balancer).retryBudget(50, 32).build();
      Auth apiKey = Auth.apiKeys().addKey("demo", options.apiKey()).build();
      RateLimiter limiter = backends().rateLimiter(RateLimitPolicy.of(
          Limit.greedy(options.ratePerSecond() * 2L, options.ratePerSecond(), Duration.ofSeconds(1))), meters());
      this.limiter = limiter;
      ResponseCache responses = ResponseCache.builder().build();
      Gateway.Builder builder = Gateway.builder()
          .port(options.gatewayPort())
          .meterRegistry(gatewayMeters)
          .observationRegistry(observations)
          .route(Route.builder("catalog").pathPrefix("/api/catalog").methods("GET").stripPrefix("/api")
              .auth(apiKey).rateLimit(limiter, KeyResolver.apiKey()).responseCache(responses)
              .upstream(upstream).build())
          .route(Route.builder("api").pathPrefix("/api").stripPrefix("/api")
              .auth(apiKey).rateLimit(limiter, KeyResolver.apiKey()).maxRetries(2)
              .upstream(upstream).build())
          .route(page);
      backends().gatewayEventLoops().ifPresent(builder::eventLoops); // the limiter's Redis runs on them
      Gateway gateway = builder.build().start();
      this.gateway = gateway;
      health.register(gateway.healthCheck(), true, "ready");
      health.register(balancer.healthCheck());
    }, () -> gateway().close(), () -> balancer().close()), "application", "backends");
  }

  /**
   * 3. Application: the order-service instances, with resilience policies and idempotency keys;
   * or, in a gateway-only process, the instances elsewhere.
   */
  private void applicationLayer(RemoteServices remote) {
    if (role == Role.GATEWAY) {
      lifecycle.register(remote);
      return;
    }
    if (role == Role.SUBSCRIBER) {
      // It only consumes: the data-processing layer alone, run as a service of its own.
      OrderTotalsSubscriber totals = new OrderTotalsSubscriber(options, namespace, health, this::meters, observations);
      this.subscriber = totals;
      lifecycle.register(totals, "admin");
      return;
    }
    if (role == Role.ALL && downstream.inProcess() || role.isSupport()) {
      SupportServices support = new SupportServices(options, namespace, role != Role.PAYMENT,
          role != Role.INVENTORY, options.gatewayPort(), observations);
      this.support = support;
      lifecycle.register(support, "admin");
    }
    if (!role.runsOrders()) {
      return;
    }
    List<AutoCloseable> parts = new ArrayList<>();
    lifecycle.register(Lifecycle.Component.of("application", () -> {
      ResiliencePolicy reads = ResiliencePolicy.builder("orders-reads").withRetry().maxAttempts(3)
          .initialBackoff(Duration.ofMillis(20)).withCircuitBreaker()
          .recordOn(failure -> !(failure instanceof OptimisticLockException)).build();
      ResiliencePolicy writes = ResiliencePolicy.builder("orders-writes").withCircuitBreaker()
          .recordOn(failure -> !(failure instanceof OptimisticLockException)).build();
      OrderWriter writer = backends().orderWriter(require(orders, "orders"), require(publisher, "publisher"));
      parts.add(writer);
      Duration callDeadline = min(Duration.ofSeconds(5), PlaceOrderSaga.stepTimeout(options.sagaLease()));
      ServiceClient inventory = serviceClient("inventory", downstream.inProcess()
          ? RemoteServices.at(List.of(require(support, "inventory service").inventoryEndpoint()))
          : require(downstream.inventory(), "--inventory"), callDeadline, parts);
      ServiceClient payment = serviceClient("payment", downstream.inProcess()
          ? RemoteServices.at(List.of(require(support, "payment service").paymentEndpoint()))
          : require(downstream.payment(), "--payment"), callDeadline, parts);
      PlaceOrderSaga placeOrder = new PlaceOrderSaga(require(orders, "orders"), cache(), writer,
          new InventoryClient(inventory), new PaymentClient(payment), backends().sagaRecords(), options.sagaLease(),
          meters(), observations);
      this.placeOrder = placeOrder;
      parts.add(placeOrder);
      orderService = new OrderService(require(orders, "orders"), cache(), writer,
          reads, writes, new Catalog(), new Customers(), TimeSource.system(), require(idempotency, "idempotency"),
          placeOrder);
      ObjectMapper json = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
      Catalog catalog = new Catalog();
      Customers customers = new Customers();
      int instances = role == Role.SERVICE ? 1 : options.serviceInstances();
      for (int i = 1; i <= instances; i++) {
        String name = role == Role.SERVICE ? "order-service-" + namespace + "-" + options.gatewayPort()
            : "order-service-" + i;
        services.add(new OrderHttpServer(name, options.bindAddress(), role == Role.SERVICE ? options.gatewayPort() : 0,
            orderService(), dashboard(), catalog, customers, json, meters(), observations));
      }
    }, () -> services.forEach(OrderHttpServer::close), () -> closeAll(parts)),
        dependencies("database", "cache", "data-processing"));
  }

  /** The application layer's dependencies, and the in-process inventory and payment services if it runs them. */
  private String[] dependencies(String... layers) {
    List<String> all = new ArrayList<>(List.of(layers));
    if (support != null) {
      all.add(SupportServices.NAME);
    }
    return all.toArray(String[]::new);
  }

  /**
   * A client of the inventory or payment service: balanced by peak EWMA with outlier ejection,
   * retried within a budget (every write carries its idempotency key, so it may be), every call
   * bounded by a deadline below the saga's step timeout. The client, then the instances (which end
   * a DNS refresh), are closed with the application layer's parts.
   */
  private ServiceClient serviceClient(String service, RemoteServices instances, Duration deadline,
      List<AutoCloseable> parts) {
    parts.add(instances::stop);
    ServiceClient client = ServiceClient.builder(service).endpointSource(instances.endpointSource())
        .deadline(deadline).perTryTimeout(min(ServiceClientBuilder.DEFAULT_PER_TRY_TIMEOUT, deadline))
        .meterRegistry(meters()).observationRegistry(observations).build();
    parts.add(client);
    return client;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** 4. Cache: cache-aside over Caffeine (memory) or Caffeine in front of Redis (production). */
  private void cacheLayer() {
    if (!role.runsOrders()) {
      return;
    }
    lifecycle.register(Lifecycle.Component.of("cache", () -> cache = CacheAside.<String, Order>builder(
        backends().orderCache(meters())).name("orders").ttl(Duration.ofMinutes(5)).meterRegistry(meters())
        .observationRegistry(observations).build(),
        () -> {}), "backends");
  }

  /**
   * 5. Database: orders sharded by id over {@value #SHARDS} shards; the {@code Idempotency-Key}s
   * of new orders in the backends' key store (in memory, PostgreSQL, or Redis beside MongoDB).
   */
  private void databaseLayer() {
    if (!role.runsOrders()) {
      return;
    }
    lifecycle.register(Lifecycle.Component.of("database", () -> {
      ShardedRepository<String, Order> orders = sharded("orders", backends().shards("orders", orderType()), meters());
      this.orders = orders;
      // Stored responses are replayed for a day, as the IETF draft suggests; the in-flight lease
      // keeps its default minute, far above the longest write.
      idempotency = Idempotency.builder(backends().idempotencyKeys()).name("orders")
          .ttl(Duration.ofHours(24)).meterRegistry(meters()).build();
      health.register(orders.healthCheck(), true, "ready");
    }, () -> {}), "backends");
  }

  /** How orders are stored: by id, with an optimistic-lock version, as JSON, indexed by customer and time. */
  static EntityDescriptor<String, Order> orderType() {
    return EntityDescriptor.builder(Order.class, Order::id)
        .version(Order::version, Order::withVersion)
        .codec(Codecs.json(Order.class))
        .index("customerId", "createdAt")
        .build();
  }

  /** The orders of a backend as the order service shards them, without meters: for a job that reads them. */
  static ShardedRepository<String, Order> shardedOrders(Backends backends) {
    return ShardedRepository.builder(backends.shards("orders", orderType())).name("orders")
        .strategy(ShardingStrategies.jumpHash()).scatterPolicy(ScatterPolicy.ALLOW).build();
  }

  /**
   * Shards orders; the registry gets each shard's breaker (whose call timer is the dashboard's
   * shard latency), the shard failures and the scatter queries; the observations, a span per
   * store operation.
   */
  private <T> ShardedRepository<String, T> sharded(String name,
      List<Repository<String, T>> shards, MeterRegistry meters) {
    return ShardedRepository.builder(shards).name(name).strategy(ShardingStrategies.jumpHash())
        .scatterPolicy(ScatterPolicy.ALLOW).meterRegistry(meters)
        .observationRegistry(observations).build();
  }

  /**
   * 6. Data processing: order events published, and aggregated per minute for the dashboard.
   * Every process's dashboard sees every event: one consumer group per process ({@link
   * #dashboardGroup}). The order totals are the other consumer, in a process of their own with one
   * group for all its instances ({@link OrderTotalsSubscriber}). The nightly
   * revenue report ({@link RevenueJob}) reads the orders into the warehouse, and the dashboard
   * shows it; the embedded system runs it at night itself, production runs it from the command line.
   */
  private void dataProcessingLayer() {
    if (!role.runsOrders()) {
      return;
    }
    List<AutoCloseable> subscriptions = new ArrayList<>();
    List<AutoCloseable> clients = new ArrayList<>();
    lifecycle.register(Lifecycle.Component.of("data-processing", () -> {
      EventPublisher<OrderEvent> publisher = backends().publisher();
      this.publisher = publisher;
      clients.add(publisher::close);
      EventSubscriber<OrderEvent> subscriber = backends().subscriber(meters());
      clients.add(subscriber::close);
      for (HealthCheck check : backends().healthChecks()) {
        health.register(check);
      }
      dashboard = new Dashboard(health, this::cache, gatewayMeters);
      String group = dashboardGroup(namespace, options.instance());
      Subscription subscription = dashboard().subscribe(subscriber, backends().topic(), group,
          backends().handledEvents(group));
      subscriptions.add(subscription::close);
      RevenueJob revenue = new RevenueJob(require(orders, "orders"), new Catalog(),
          RevenueJob.warehouse(options, namespace), meters(), TimeSource.system());
      clients.add(revenue::close);
      dashboard().revenueJob(revenue);
      if (!options.production()) {
        revenue.scheduleNightly();
      }
      // After "database", whose idempotency key store adds its health check to the backends'.
    }, () -> closeAll(subscriptions), () -> closeAll(clients)), "backends", "cache", "database");
  }

  /**
   * Returns the consumer group of a process's dashboard: one per process, since each process's
   * dashboard is in its memory and must see every event; the instance is the pod's name in
   * Kubernetes (every order-service pod listens on the same port, so the port cannot tell them
   * apart), else {@code <host>-<pid>} ({@link OrderSystemOptions#instance()}).
   *
   * <p>A replaced pod leaves its group behind, empty: Kafka deletes an empty group's committed
   * offsets after {@code offsets.retention.minutes} (7 days by default) and the group with them, and
   * the group's handled-event ids in Redis expire after {@link Dashboard#HANDLED_FOR}. A pod
   * restarted in place keeps its name, so it takes up its group's committed offsets; a new pod's
   * group starts at the earliest offset, so its dashboard counts the topic's whole history.
   *
   * @param namespace the system's namespace
   * @param instance the process's name among its peers
   * @return {@code <namespace>-dashboard-<instance>}
   */
  static String dashboardGroup(String namespace, String instance) {
    return namespace + "-dashboard-" + instance;
  }

  /** Closes the last opened first. */
  private static void closeAll(List<AutoCloseable> closeables) throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  /**
   * 7. Infrastructure: health and metrics on the admin server, and the backends' connections
   * (embedded, or Redis, Kafka and PostgreSQL or MongoDB).
   */
  private void infrastructureLayer() {
    lifecycle.register(Lifecycle.Component.of("admin", () -> {
      admin = AdminServer.builder(health).port(options.adminPort()).start();
      if (role == Role.ALL || role == Role.GATEWAY) {
        gatewayMeters.add(meters());
      }
    }, () -> {
      require(admin, "admin").close();
      health.close();
    }));
    if (role.isSupport() || role == Role.SUBSCRIBER) {
      return; // the inventory, payment and order-totals services open their own stores
    }
    lifecycle.register(Lifecycle.Component.of("backends",
        () -> backends = options.production() ? new ProductionBackends(options, namespace, observations)
            : new MemoryBackends(meters(), observations),
        () -> backends().close()), "admin");
  }

  private MeterRegistry meters() {
    return require(admin, "admin").meterRegistry();
  }

  private Backends backends() {
    return require(backends, "backends");
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
    return start(options, namespace, Role.ALL, RemoteServices.at(List.of()));
  }

  /**
   * Starts the parts of one role, for running the layers as separate processes.
   *
   * @param options how; a service listens on the options' gateway port
   * @param namespace as for {@link #start(OrderSystemOptions, String)}
   * @param role what this process runs
   * @param remote for the gateway role, the order-service instances to balance over
   * @return the running parts
   * @throws IllegalArgumentException if the options cannot be run, or a layer refused them
   * @throws UncheckedIOException if a port cannot be bound or a process started
   */
  static OrderSystem start(OrderSystemOptions options, String namespace, Role role, RemoteServices remote) {
    return start(options, namespace, role, remote, ObservationRegistry.NOOP);
  }

  /**
   * Starts the parts of one role, every block reporting its observations to {@code observations}
   * (the example's tracer, {@link OrderTracing}), so that one order is one trace from the gateway
   * to the event's subscriber.
   *
   * @param options how
   * @param namespace as for {@link #start(OrderSystemOptions, String)}
   * @param role what this process runs
   * @param remote for the gateway role, the order-service instances to balance over
   * @param observations where the blocks report, {@link ObservationRegistry#NOOP} for nowhere
   * @return the running parts
   */
  static OrderSystem start(OrderSystemOptions options, String namespace, Role role, RemoteServices remote,
      ObservationRegistry observations) {
    return start(options, namespace, role, remote, observations, Downstream.IN_PROCESS);
  }

  /**
   * Starts the parts of one role, its order service calling the inventory and payment services
   * at {@code downstream}.
   *
   * @param options how
   * @param namespace as for {@link #start(OrderSystemOptions, String)}
   * @param role what this process runs
   * @param remote for the gateway role, the order-service instances to balance over
   * @param observations where the blocks report, {@link ObservationRegistry#NOOP} for nowhere
   * @param downstream where the order service finds the inventory and payment services
   * @return the running parts
   * @throws IllegalArgumentException if the options cannot be run, or a layer refused them
   * @throws UncheckedIOException if a port cannot be bound or a process started
   */
  static OrderSystem start(OrderSystemOptions options, String namespace, Role role, RemoteServices remote,
      ObservationRegistry observations, Downstream downstream) {
    if (role != Role.ALL && role != Role.GATEWAY && !options.production()) {
      throw new IllegalArgumentException("--role=" + role.name().toLowerCase(java.util.Locale.ROOT)
          + " needs --backends=production: instances in separate processes share state only through real servers");
    }
    if (role == Role.SUBSCRIBER && (options.kafkaBootstrap() == null || options.postgresUrl() == null)) {
      throw new IllegalArgumentException("--role=subscriber needs --kafka=host:port and --postgres=jdbc:postgresql://...");
    }
    if (role == Role.SERVICE && downstream.inProcess()) {
      throw new IllegalArgumentException("--role=service needs --inventory=host:port,... and --payment=host:port,...");
    }
    OrderSystem system = new OrderSystem(options, namespace, role, remote, observations, downstream);
    try {
      system.lifecycle.start();
    } catch (LifecycleException e) {
      // The layers that had started are stopped; report what the failing layer said.
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      if (e.getCause() instanceof IOException failure) {
        throw new UncheckedIOException("cannot start the order system: " + failure.getMessage(), failure);
      }
      throw e;
    }
    return system;
  }

  /**
   * Returns the lifecycle that started the layers, for its shutdown hook.
   *
   * @return the lifecycle
   */
  Lifecycle lifecycle() {
    return lifecycle;
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
    return require(admin, "admin").uri();
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

  RateLimiter rateLimiter() {
    return require(limiter, "limiter");
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

  PlaceOrderSaga placeOrder() {
    return require(placeOrder, "place-order saga");
  }

  /** The sharded orders, for audits that read them all. */
  ShardedRepository<String, Order> orders() {
    return require(orders, "orders");
  }

  /** Where the place-order sagas keep their state, for audits. */
  Repository<String, dev.layerkit.service.saga.SagaRecord> sagaRecords() {
    return backends().sagaRecords();
  }

  SupportServices support() {
    return require(support, "inventory and payment services");
  }

  OrderTotalsSubscriber subscriber() {
    return require(subscriber, "order-totals subscriber");
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
    backends().breakCache();
  }

  String backendsKind() {
    return backends().kind();
  }

  /** Stops one order-service instance abruptly, as a crash would (the chaos switch). */
  void killService(int index) {
    OrderHttpServer victim = services.get(index);
    LOG.warn("chaos: stopping {}", victim.name());
    victim.close();
  }

  /** Drains and stops every layer, gateway first, within the options' shutdown deadline. Idempotent. */
  @Override
  public void close() {
    lifecycle.stop();
  }
}
