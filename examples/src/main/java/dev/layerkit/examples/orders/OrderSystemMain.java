package dev.layerkit.examples.orders;

import dev.layerkit.gateway.http.Transport;
import dev.layerkit.infra.Config;
import dev.layerkit.infra.ConfigException;
import io.micrometer.observation.ObservationRegistry;
import java.util.List;

/**
 * Runs the order system until SIGTERM or Ctrl-C, then drains and exits.
 *
 * <pre>{@code
 * java -jar examples/target/layerkit-examples.jar                       # everything, embedded
 * java -jar examples/target/layerkit-examples.jar --backends=production \
 *     --redis=redis://127.0.0.1:6379 --kafka=127.0.0.1:9092 --postgres=jdbc:postgresql://...
 * }</pre>
 *
 * <p>Options come from {@link OrderSystemOptions#config}: defaults, then the config file ({@code
 * --config=FILE}), then the environment ({@code LAYERKIT_ORDERS_ROLE=gateway}), then the command
 * line ({@code --role=gateway}). With
 * {@code --backends=production} the order-service instances run as child processes
 * ({@link ServiceProcesses}), the gateway in this one; {@code --single-process} keeps them in one
 * JVM. Every block reports to one tracer ({@link OrderTracing}): with {@code --otlp=URL} spans go
 * to that OTLP/HTTP endpoint, otherwise each finished trace is logged as a tree.
 * {@code --role=service --port=P --inventory=host:port --payment=host:port} runs one order-service
 * instance, {@code --role=inventory --port=P} and {@code --role=payment --port=P} one instance of
 * the services it calls, {@code --role=subscriber --port=P} one instance of the order-totals
 * subscriber ({@link OrderTotalsSubscriber}), and {@code --role=gateway --services=host:port,...} the gateway alone,
 * for deployments that start the processes. With {@code --discovery=dns} each of {@code
 * --services}, {@code --inventory} and {@code --payment} is one {@code host:port} whose host
 * resolves to every instance (a Kubernetes headless Service), re-resolved every 5 s, so the
 * balancers see each instance.
 *
 * <p>{@code --job=revenue} runs the nightly revenue report once over the production store (with
 * the production options) instead of the system, with a progress bar and a report, and exits 0
 * when it ended, 1 when it failed, 2 when it cannot run so ({@link RevenueJob}); with {@code
 * --engine=flink} it runs on Apache Flink (submit the jar with {@code flink run}, or give Flink's
 * jars on the class path for a local mini cluster).
 */
public final class OrderSystemMain {

  private OrderSystemMain() {}

  /**
   * Starts the system.
   *
   * @param args see {@link OrderSystemOptions#config}
   * @throws InterruptedException if interrupted while running
   */
  public static void main(String[] args) throws InterruptedException {
    // The production gateway shares its event loops with the rate limiter's Redis connection
    // (ProductionBackends), so both run on the transport Lettuce picks, for the whole JVM, when it
    // loads: epoll before io_uring unless told otherwise. Where io_uring runs, the gateway's
    // default, say so before anything loads Lettuce.
    if (System.getProperty("io.lettuce.core.epoll") == null && Transport.IO_URING.isAvailable()) {
      System.setProperty("io.lettuce.core.epoll", "false");
    }
    Config config;
    OrderSystemOptions options;
    RemoteServices remote = null;
    OrderSystem.Downstream downstream = OrderSystem.Downstream.IN_PROCESS;
    OrderTracing tracing;
    try {
      config = OrderSystemOptions.config(System.getenv(), args);
      options = OrderSystemOptions.from(config);
      String role = config.get(OrderSystemOptions.ROLE);
      String otlp = config.get(OrderSystemOptions.OTLP);
      String serviceName = switch (role) {
        case "service" -> "order-service";
        case "inventory" -> "inventory-service";
        case "payment" -> "payment-service";
        case "subscriber" -> "order-totals";
        default -> "order-system";
      };
      tracing = otlp.isEmpty() ? OrderTracing.logging(serviceName)
          : OrderTracing.otlp(otlp, serviceName);
      String discovery = config.get(OrderSystemOptions.DISCOVERY);
      if (role.equals("gateway")) {
        remote = RemoteServices.discover(config.get(OrderSystemOptions.SERVICES), "--services", discovery);
      }
      if (role.equals("service")) {
        downstream = new OrderSystem.Downstream(
            RemoteServices.discover(config.get(OrderSystemOptions.INVENTORY), "--inventory", discovery),
            RemoteServices.discover(config.get(OrderSystemOptions.PAYMENT), "--payment", discovery));
      }
    } catch (ConfigException | IllegalArgumentException e) {
      System.err.println("layerkit orders: " + e.getMessage());
      System.exit(2);
      return;
    }
    String role = config.get(OrderSystemOptions.ROLE);
    String namespace = config.get(OrderSystemOptions.NAMESPACE);
    if (config.get(OrderSystemOptions.JOB).equals("revenue")) {
      tracing.close();
      System.exit(RevenueJob.runFromCommandLine(options, namespace,
          config.get(OrderSystemOptions.WAREHOUSE), config.get(OrderSystemOptions.ENGINE),
          System.out, System.err));
      return;
    }
    ServiceProcesses processes = role.equals("all") && options.production()
        && !config.get(OrderSystemOptions.SINGLE_PROCESS) ? new ServiceProcesses(options, namespace, List.of(args)) : null;
    // Flushes the last spans when the JVM stops (after the lifecycle's hook has drained).
    Runtime.getRuntime().addShutdownHook(new Thread(tracing::close, "trace-flush"));
    ObservationRegistry observations = tracing.registry();
    OrderSystem system;
    try {
      OrderSystem.Role startAs = processes != null || remote != null ? OrderSystem.Role.GATEWAY
          : OrderSystem.Role.valueOf(role.toUpperCase(java.util.Locale.ROOT));
      RemoteServices instances = processes != null ? processes : remote != null ? remote : RemoteServices.at(List.of());
      system = OrderSystem.start(options, namespace, startAs, instances, observations, downstream);
    } catch (RuntimeException e) {
      System.err.println("layerkit orders: cannot start: " + e.getMessage());
      System.exit(1);
      return;
    }
    system.lifecycle().installShutdownHook(); // SIGTERM: readiness DOWN, drain, stop, exit
    if (role.equals("service") || role.equals("inventory") || role.equals("payment") || role.equals("subscriber")) {
      String name = switch (role) {
        case "service" -> "order-service";
        case "subscriber" -> "order-totals subscriber";
        default -> role + "-service";
      };
      System.out.println("READY " + name + " on port " + options.gatewayPort() + ", admin " + system.adminUri());
    } else {
      System.out.printf("%nLayerkit order system (%s backends%s) is running:%n  web page   %s%n"
          + "  API        %s   (header X-API-Key: %s)%n  admin      %s  %s%nCtrl-C drains and stops.%n",
          options.backends(), processes != null ? ", " + options.serviceInstances()
              + " order-service processes, an inventory and a payment process" : "",
          system.gatewayUri(), system.gatewayUri().resolve("/api/catalog"), system.apiKey(),
          system.adminUri().resolve("/health/ready"), system.adminUri().resolve("/metrics"));
      if (options.chaos()) {
        Chaos.strikeLater(system, options.production(), processes);
      }
    }
    Thread.currentThread().join(); // until the shutdown hook halts the JVM
  }
}
