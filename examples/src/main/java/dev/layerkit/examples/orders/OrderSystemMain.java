package dev.layerkit.examples.orders;

import java.util.concurrent.CountDownLatch;

/**
 * Runs the order system until Ctrl-C, then drains and exits.
 *
 * <pre>{@code
 * ./mvnw -B -q install -DskipTests && java -jar examples/target/layerkit-examples.jar
 * }</pre>
 */
public final class OrderSystemMain {

  private OrderSystemMain() {}

  /**
   * Starts the system.
   *
   * @param args see {@link OrderSystemOptions#parse(String...)}
   * @throws InterruptedException if interrupted while running
   */
  public static void main(String[] args) throws InterruptedException {
    OrderSystemOptions options;
    try {
      options = OrderSystemOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("layerkit orders: " + e.getMessage());
      System.exit(2);
      return;
    }
    OrderSystem system;
    try {
      system = OrderSystem.start(options);
    } catch (RuntimeException e) {
      System.err.println("layerkit orders: cannot start: " + e.getMessage());
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("draining...");
      system.close();
      stopped.countDown();
    }, "orders-shutdown"));
    System.out.println();
    System.out.println("Layerkit order system (" + options.backends() + " backends) is running:");
    System.out.println("  web page   " + system.gatewayUri());
    System.out.println("  API        " + system.gatewayUri().resolve("/api/catalog")
        + "   (header X-API-Key: " + system.apiKey() + ")");
    System.out.println("  admin      " + system.adminUri().resolve("/health/ready") + "  "
        + system.adminUri().resolve("/metrics"));
    if (options.chaos()) {
      Thread chaos = new Thread(() -> {
        try {
          Thread.sleep(30_000);
        } catch (InterruptedException e) {
          return;
        }
        System.out.println("chaos: stopping order-service-1" + (options.production()
            ? " and cutting the cache off from Redis" : ""));
        system.killService(0);
        if (options.production()) {
          system.breakCache();
        }
      }, "orders-chaos");
      chaos.setDaemon(true);
      chaos.start();
      System.out.println("  chaos      in 30 s one order-service instance stops"
          + (options.production() ? " and the cache loses Redis" : ""));
    }
    System.out.println("Ctrl-C drains and stops.");
    stopped.await();
  }
}
