package dev.layerkit.examples.orders;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The {@code --chaos} switch: after a while one order-service instance dies (a child process is
 * killed, or an in-process instance stops abruptly) and, with production backends in one
 * process, the cache loses Redis, to show the system degrading gracefully.
 */
final class Chaos {

  /** How long the system runs before the chaos strikes. */
  static final Duration DELAY = Duration.ofSeconds(30);

  private Chaos() {}

  /**
   * Strikes once, after {@link #DELAY}, on a daemon thread.
   *
   * @param system the running system
   * @param production whether it runs on production backends
   * @param processes the order-service processes, or null if the instances run in this process
   */
  static void strikeLater(OrderSystem system, boolean production, @Nullable ServiceProcesses processes) {
    Thread chaos = new Thread(() -> {
      try {
        Thread.sleep(DELAY.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      if (processes != null) {
        System.out.println("chaos: killing the first order-service process");
        processes.children().get(0).destroyForcibly();
      } else {
        System.out.println("chaos: stopping order-service-1" + (production ? " and cutting the cache off from Redis" : ""));
        system.killService(0);
        if (production) {
          system.breakCache();
        }
      }
    }, "orders-chaos");
    chaos.setDaemon(true);
    chaos.start();
    System.out.println("  chaos      in " + DELAY.toSeconds() + " s one order-service instance stops");
  }
}
