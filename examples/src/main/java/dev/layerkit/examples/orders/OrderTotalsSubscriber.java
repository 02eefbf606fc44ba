package dev.layerkit.examples.orders;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.Subscription;
import dev.layerkit.events.kafka.KafkaEventSubscriber;
import dev.layerkit.events.kafka.KafkaTopics;
import dev.layerkit.infra.HealthRegistry;
import dev.layerkit.infra.Lifecycle;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscriber role ({@code --role=subscriber}): a process that only consumes the order events,
 * in one consumer group shared by every instance ({@link #group}), so that Kafka splits the
 * topic's partitions among the instances and the group's lag says how far behind they all are
 * (what KEDA scales the subscriber's Deployment on). Each event is applied once to the {@link
 * OrderTotals} projection in PostgreSQL, which the role serves read-only:
 *
 * <pre>
 * GET /totals                        every customer's totals summed, and the events applied
 * GET /totals/customers/{customerId} one customer's: orders placed and cancelled, and their sums
 * GET /health
 * </pre>
 *
 * <p>A {@link Lifecycle.Component}: {@link #start()} opens PostgreSQL (creating the tables), the
 * Kafka subscription and the HTTP server, and registers the health checks (PostgreSQL is needed
 * for readiness; a failing consumer degrades the process, as the order service's does);
 * {@link #drain()} stops consuming, committing what was applied; {@link #stop()} closes the rest.
 * Not thread-safe; the lifecycle calls it from one thread.
 */
final class OrderTotalsSubscriber implements Lifecycle.Component {

  private static final Logger LOG = LoggerFactory.getLogger(OrderTotalsSubscriber.class);
  /** The component's name. */
  static final String NAME = "order-totals";
  static final String TOTALS = "/totals";
  static final String CUSTOMERS = "/totals/customers/";

  private final OrderSystemOptions options;
  private final String namespace;
  private final HealthRegistry health;
  private final Supplier<MeterRegistry> meters;
  private final ObservationRegistry observations;
  private final Closer closer = new Closer();
  private @Nullable OrderTotals totals;
  private @Nullable Subscription subscription;
  private @Nullable JsonHttpServer server;

  /**
   * Prepares the role.
   *
   * @param options Kafka, PostgreSQL, the port and bind address of the API
   * @param namespace the topic ({@code <namespace>.orders}), group and tables are under this name
   * @param health where the checks go
   * @param meters the admin server's registry (consumer lag and handled events), once it started
   * @param observations where each handled event is observed
   */
  OrderTotalsSubscriber(OrderSystemOptions options, String namespace, HealthRegistry health,
      Supplier<MeterRegistry> meters, ObservationRegistry observations) {
    this.options = options;
    this.namespace = namespace;
    this.health = health;
    this.meters = meters;
    this.observations = observations;
  }

  /**
   * Returns the consumer group every subscriber instance joins: one for the role, not one per
   * process (unlike the dashboard's, {@link OrderSystem#dashboardGroup}), so the partitions are
   * shared out and each event is handled by one instance.
   *
   * @param namespace the system's namespace
   * @return {@code <namespace>-order-totals}
   */
  static String group(String namespace) {
    return namespace + "-order-totals";
  }

  /**
   * Returns the topic of the order events, as the production backends name it.
   *
   * @param namespace the system's namespace
   * @return {@code <namespace>.orders}
   */
  static String topic(String namespace) {
    return namespace + "." + OrderService.TOPIC;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void start() throws IOException, SQLException {
    try {
      open();
    } catch (IOException | SQLException | RuntimeException e) {
      closer.close(); // what was opened before the failure
      throw e;
    }
  }

  private void open() throws IOException, SQLException {
    String kafka = Objects.requireNonNull(options.kafkaBootstrap(), "--kafka");
    String postgres = Objects.requireNonNull(options.postgresUrl(), "--postgres");
    OrderTotals projection = new OrderTotals(connect(postgres), namespace);
    totals = projection;
    health.register(projection.healthCheck(), true, HealthRegistry.READINESS);
    createTopic(kafka);
    KafkaEventSubscriber<OrderEvent> subscriber = closer.push(KafkaEventSubscriber
        .builder(kafka, Codecs.json(OrderEvent.class)).meterRegistry(meters.get())
        .observationRegistry(observations).build());
    health.register(subscriber.healthCheck(), false, HealthRegistry.READINESS);
    subscription = subscriber.subscribe(topic(namespace), group(namespace), projection::apply);
    ScheduledExecutorService purge = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "order-totals-purge");
      thread.setDaemon(true);
      return thread;
    });
    closer.push(purge::shutdownNow);
    purge.scheduleWithFixedDelay(() -> {
      try {
        projection.purgeHandled();
      } catch (SQLException | RuntimeException e) {
        LOG.warn("could not purge the ids of applied events; the next run tries again", e);
      }
    }, 1, 60, TimeUnit.MINUTES);
    ObjectMapper json = new ObjectMapper();
    server = closer.push(new JsonHttpServer("order-totals-" + namespace + "-" + options.instance(),
        options.bindAddress(), options.gatewayPort(), json, (method, path, exchange) -> {
          if (!method.equals("GET")) {
            return JsonHttpServer.methodNotAllowed(method, path);
          }
          try {
            if (path.equals(TOTALS)) {
              return new JsonHttpServer.Reply(200, projection.summary());
            }
            if (path.startsWith(CUSTOMERS) && path.length() > CUSTOMERS.length()) {
              String customer = path.substring(CUSTOMERS.length());
              return projection.customer(customer).map(found -> new JsonHttpServer.Reply(200, found))
                  .orElseGet(() -> JsonHttpServer.notFound("orders of customer " + customer));
            }
          } catch (SQLException e) {
            throw new IllegalStateException("the order totals cannot be read: " + e.getMessage(), e);
          }
          return JsonHttpServer.notFound("resource " + path);
        }, "orders.totals.request", observations));
  }

  /**
   * Checks that Kafka answers and creates the topic if the order service has not yet, with the
   * partitions it gives it ({@link ProductionBackends}): whoever starts first creates it.
   */
  private void createTopic(String kafka) {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka,
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000))) {
      admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
      KafkaTopics.create(admin, topic(namespace), ProductionBackends.PARTITIONS, (short) 1, Map.of(),
          Duration.ofSeconds(30));
    } catch (Exception e) {
      throw new IllegalArgumentException("cannot reach Kafka at " + kafka + ": " + e.getMessage(), e);
    }
  }

  private HikariDataSource connect(String url) {
    return closer.push(SupportServices.openPool(url, "order-totals-" + namespace, 4));
  }

  /** Stops consuming: the subscription commits what was applied, so the group's next member starts after it. */
  @Override
  public void drain() {
    Subscription current = subscription;
    subscription = null;
    if (current != null) {
      current.close();
    }
  }

  @Override
  public void stop() {
    drain();
    closer.close();
  }

  /** The projection, for tests. */
  OrderTotals totals() {
    if (totals == null) {
      throw new IllegalStateException("the order-totals subscriber has not started");
    }
    return totals;
  }

  /** Where the API answers. */
  int port() {
    if (server == null) {
      throw new IllegalStateException("the order-totals subscriber has not started");
    }
    return server.port();
  }

  /** The partitions this instance consumes now; empty before it joined the group. */
  Set<Integer> partitions() {
    Subscription current = subscription;
    return current == null ? Set.of() : current.assignedPartitions();
  }
}
