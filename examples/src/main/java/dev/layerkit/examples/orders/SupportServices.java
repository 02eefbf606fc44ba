package dev.layerkit.examples.orders;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.infra.Lifecycle;
import dev.layerkit.store.Repositories;
import dev.layerkit.store.Repository;
import dev.layerkit.store.jdbc.JdbcRepository;
import io.micrometer.observation.ObservationRegistry;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The services the order service calls, run by this process: the inventory service, the payment
 * service, or both (the embedded system and {@code --single-process} run both in-process, on free
 * ports; {@code --role=inventory} and {@code --role=payment} run one on {@code --port}). Their
 * state is in memory with embedded backends, and in PostgreSQL ({@code --postgres}) with production
 * ones, shared by every instance; beside MongoDB (no {@code --postgres}) it stays in memory, so
 * run one instance of each then.
 *
 * <p>A {@link Lifecycle.Component}: {@link #start()} opens the store and the HTTP servers,
 * {@link #stop()} closes them. Not thread-safe; the lifecycle calls it from one thread.
 */
final class SupportServices implements Lifecycle.Component {

  private static final Logger LOG = LoggerFactory.getLogger(SupportServices.class);
  /** The component's name, which the order service's layer depends on. */
  static final String NAME = "support-services";

  private final OrderSystemOptions options;
  private final String namespace;
  private final boolean runInventory;
  private final boolean runPayment;
  private final int port;
  private final ObservationRegistry observations;
  private final Closer closer = new Closer();
  private @Nullable Inventory inventory;
  private @Nullable PaymentService payments;
  private @Nullable JsonHttpServer inventoryServer;
  private @Nullable JsonHttpServer paymentServer;

  /**
   * Prepares the services.
   *
   * @param options the backends, stock, failure rate and bind address
   * @param namespace their tables are under this name
   * @param runInventory whether to run the inventory service
   * @param runPayment whether to run the payment service
   * @param port the port of the one service run, 0 for a free one (two services always take free ports)
   * @param observations where the services' requests are observed (server spans continuing the caller's trace)
   */
  SupportServices(OrderSystemOptions options, String namespace, boolean runInventory, boolean runPayment, int port,
      ObservationRegistry observations) {
    this.options = options;
    this.observations = observations;
    this.namespace = namespace;
    this.runInventory = runInventory;
    this.runPayment = runPayment;
    this.port = runInventory && runPayment ? 0 : port;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void start() throws IOException {
    Catalog catalog = new Catalog();
    HikariDataSource postgres = null;
    if (options.production() && options.postgresUrl() != null) {
      postgres = connect(options.postgresUrl());
    } else if (options.production()) {
      LOG.warn("no --postgres: the inventory and payment services keep their state in memory;"
          + " run one instance of each, whose state a restart loses");
    }
    if (runInventory) {
      Inventory stock = postgres != null ? new JdbcInventory(postgres, namespace, catalog, options.initialStock())
          : new MemoryInventory(catalog, options.initialStock());
      inventory = stock;
      inventoryServer = closer.push(InventoryApi.serve("inventory-" + namespace, options.bindAddress(), port, stock,
          observations));
    }
    if (runPayment) {
      Repository<String, Payments.Charge> charges = postgres != null
          ? closer.push(JdbcRepository.builder(PaymentService.CHARGES).name("charges").dataSource(postgres)
              .table(namespace + "_charges").build())
          : Repositories.inMemory(PaymentService.CHARGES).name("charges").build();
      PaymentService service = new PaymentService(charges, options.paymentFailureRate());
      payments = service;
      paymentServer = closer.push(PaymentApi.serve("payment-" + namespace, options.bindAddress(), port, service,
          observations));
    }
  }

  private HikariDataSource connect(String url) {
    return closer.push(openPool(url, "support-" + namespace, 8));
  }

  /**
   * Opens a connection pool on {@code url} and checks that PostgreSQL answers, so that a server
   * that does not fails the start with its address.
   *
   * @throws IllegalArgumentException naming the URL if PostgreSQL cannot be reached
   */
  static HikariDataSource openPool(String url, String poolName, int maximumPoolSize) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(maximumPoolSize);
    config.setPoolName(poolName);
    config.setInitializationFailTimeout(-1);
    HikariDataSource dataSource = new HikariDataSource(config);
    try (Connection connection = dataSource.getConnection()) {
      connection.isValid(5);
    } catch (SQLException | RuntimeException e) {
      dataSource.close();
      throw new IllegalArgumentException("cannot reach PostgreSQL at " + url + ": " + e.getMessage(), e);
    }
    return dataSource;
  }

  @Override
  public void stop() {
    closer.close();
  }

  /** The inventory this process keeps, for its checks. */
  Inventory inventory() {
    if (inventory == null) {
      throw new IllegalStateException("this process does not run the inventory service");
    }
    return inventory;
  }

  /** The payments this process keeps, for its checks (and the chaos run's declines). */
  PaymentService payments() {
    if (payments == null) {
      throw new IllegalStateException("this process does not run the payment service");
    }
    return payments;
  }

  /** Where the in-process inventory service answers. */
  Endpoint inventoryEndpoint() {
    return endpoint(inventoryServer, "inventory");
  }

  /** Where the in-process payment service answers. */
  Endpoint paymentEndpoint() {
    return endpoint(paymentServer, "payment");
  }

  private static Endpoint endpoint(@Nullable JsonHttpServer server, String service) {
    if (server == null) {
      throw new IllegalStateException("this process does not run the " + service + " service");
    }
    return Endpoint.builder("127.0.0.1", server.port()).id(server.name()).build();
  }
}
