package dev.layerkit.examples.orders;

import dev.layerkit.gateway.lb.Endpoint;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs the order system until Ctrl-C, then drains and exits.
 *
 * <pre>{@code
 * java -jar examples/target/layerkit-examples.jar                       # everything, embedded
 * java -jar examples/target/layerkit-examples.jar --backends=production \
 *     --redis=redis://127.0.0.1:6379 --kafka=127.0.0.1:9092 --postgres=jdbc:postgresql://...
 * }</pre>
 *
 * <p>With {@code --backends=production} the order-service instances run as separate processes
 * (this program started again with {@code --role=service}), the gateway in this one; {@code
 * --single-process} keeps them in one JVM. {@code --role=service --port=P} runs one instance and
 * {@code --role=gateway --services=host:port,...} the gateway alone, for deployments that start
 * the processes themselves.
 */
public final class OrderSystemMain {

  private OrderSystemMain() {}

  /**
   * Starts the system.
   *
   * @param args see {@link OrderSystemOptions#parse(String...)}, plus {@code --role},
   *     {@code --services}, {@code --namespace} and {@code --single-process}
   * @throws InterruptedException if interrupted while running
   */
  public static void main(String[] args) throws InterruptedException {
    args = withEnvironment(System.getenv(), args);
    String role = "all";
    String namespace = "layerkit";
    List<Endpoint> services = new ArrayList<>();
    boolean singleProcess = false;
    List<String> rest = new ArrayList<>();
    for (String arg : args) {
      if (arg.startsWith("--role=")) {
        role = arg.substring(7);
      } else if (arg.startsWith("--namespace=")) {
        namespace = arg.substring(12);
      } else if (arg.startsWith("--services=")) {
        for (String service : arg.substring(11).split(",")) {
          int colon = service.lastIndexOf(':');
          services.add(Endpoint.builder(service.substring(0, colon),
              Integer.parseInt(service.substring(colon + 1))).id(service).build());
        }
      } else if (arg.equals("--single-process")) {
        singleProcess = true;
      } else {
        rest.add(arg);
      }
    }
    OrderSystemOptions options;
    try {
      options = OrderSystemOptions.parse(rest.toArray(String[]::new));
      if (!List.of("all", "service", "gateway").contains(role)) {
        throw new IllegalArgumentException("--role must be all, service or gateway but was '" + role + "'");
      }
    } catch (IllegalArgumentException e) {
      System.err.println("layerkit orders: " + e.getMessage());
      System.exit(2);
      return;
    }
    List<Process> children = new ArrayList<>();
    OrderSystem system;
    try {
      if (role.equals("service")) {
        system = OrderSystem.start(options, namespace, OrderSystem.Role.SERVICE, List.of(),
            options.gatewayPort());
      } else if (role.equals("gateway") || (options.production() && !singleProcess)) {
        if (role.equals("all")) {
          services = startServiceProcesses(options, namespace, rest, children);
        }
        system = OrderSystem.start(options, namespace, OrderSystem.Role.GATEWAY, services, 0);
      } else {
        system = OrderSystem.start(options, namespace);
      }
    } catch (RuntimeException | IOException e) {
      children.forEach(Process::destroy);
      System.err.println("layerkit orders: cannot start: " + e.getMessage());
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("draining...");
      system.close();
      for (Process child : children) {
        child.destroy();
      }
      for (Process child : children) {
        try {
          child.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      stopped.countDown();
    }, "orders-shutdown"));
    if (role.equals("service")) {
      System.out.println("READY order-service on port " + options.gatewayPort() + ", admin "
          + system.adminUri());
    } else {
      printUrls(system, options, children.size());
    }
    if (options.chaos() && !role.equals("service")) {
      startChaos(system, options, children);
    }
    stopped.await();
  }

  /**
   * Puts settings from the environment in front of the command line, which wins: {@code
   * LAYERKIT_ORDERS_ROLE=gateway} is {@code --role=gateway}, and so on for every option (how the
   * Kubernetes manifests in {@code examples/deploy} configure a pod).
   */
  static String[] withEnvironment(java.util.Map<String, String> environment, String[] args) {
    List<String> all = new ArrayList<>();
    for (java.util.Map.Entry<String, String> variable : new java.util.TreeMap<>(environment).entrySet()) {
      String name = variable.getKey();
      if (name.startsWith("LAYERKIT_ORDERS_") && name.length() > 16) {
        String option = "--" + name.substring(16).toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        all.add(option.equals("--single-process") || option.equals("--chaos")
            ? (Boolean.parseBoolean(variable.getValue()) ? option : null)
            : option + "=" + variable.getValue());
      }
    }
    all.removeIf(java.util.Objects::isNull);
    all.addAll(List.of(args));
    return all.toArray(String[]::new);
  }

  private static void printUrls(OrderSystem system, OrderSystemOptions options, int processes) {
    System.out.println();
    System.out.println("Layerkit order system (" + options.backends() + " backends"
        + (processes > 0 ? ", " + processes + " order-service processes" : "") + ") is running:");
    System.out.println("  web page   " + system.gatewayUri());
    System.out.println("  API        " + system.gatewayUri().resolve("/api/catalog")
        + "   (header X-API-Key: " + system.apiKey() + ")");
    System.out.println("  admin      " + system.adminUri().resolve("/health/ready") + "  "
        + system.adminUri().resolve("/metrics"));
    System.out.println("Ctrl-C drains and stops.");
  }

  private static void startChaos(OrderSystem system, OrderSystemOptions options, List<Process> children) {
    Thread chaos = new Thread(() -> {
      try {
        Thread.sleep(30_000);
      } catch (InterruptedException e) {
        return;
      }
      if (!children.isEmpty()) {
        System.out.println("chaos: killing the first order-service process");
        children.get(0).destroyForcibly();
      } else {
        System.out.println("chaos: stopping order-service-1" + (options.production()
            ? " and cutting the cache off from Redis" : ""));
        system.killService(0);
        if (options.production()) {
          system.breakCache();
        }
      }
    }, "orders-chaos");
    chaos.setDaemon(true);
    chaos.start();
    System.out.println("  chaos      in 30 s one order-service instance stops");
  }

  /** Starts the instances as child JVMs of this program and waits until each says READY. */
  static List<Endpoint> startServiceProcesses(OrderSystemOptions options, String namespace,
      List<String> args, List<Process> children) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("java.class.path");
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < options.serviceInstances(); i++) {
      int port = freePort();
      List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", classpath,
          OrderSystemMain.class.getName(), "--role=service", "--namespace=" + namespace));
      for (String arg : args) {
        if (!arg.startsWith("--port=") && !arg.startsWith("--admin-port=") && !arg.equals("--chaos")) {
          command.add(arg);
        }
      }
      command.add("--port=" + port);
      command.add("--admin-port=0");
      Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
      children.add(child);
      awaitReady(child, "order-service " + (i + 1));
      endpoints.add(Endpoint.builder("127.0.0.1", port).id("order-service-" + (i + 1)).build());
    }
    return endpoints;
  }

  private static void awaitReady(Process child, String name) throws IOException {
    BufferedReader out = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith("READY")) {
        Thread pump = new Thread(() -> out.lines().forEach(l -> System.out.println("  [" + name + "] " + l)),
            name + "-output");
        pump.setDaemon(true);
        pump.start();
        return;
      }
      if (line.startsWith("layerkit orders:") || System.nanoTime() > deadline) {
        throw new IOException(name + " did not start: " + line);
      }
    }
    throw new IOException(name + " exited before it was ready (exit " + waitExit(child) + ")");
  }

  private static int waitExit(Process child) {
    try {
      return child.waitFor(5, TimeUnit.SECONDS) ? child.exitValue() : -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
