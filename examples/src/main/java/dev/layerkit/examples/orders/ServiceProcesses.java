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
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The order-service instances as child JVMs of this program ({@code --role=service}), for a
 * gateway-only process with production backends, and the inventory and payment services they
 * call, one child JVM each ({@code --role=inventory}, {@code --role=payment}): {@link #start()}
 * spawns the two services, then the order services pointed at them, and waits until each prints
 * {@code READY}; {@link #stop()} sends the order services SIGTERM, so each drains, waits for them,
 * then stops the two services likewise. Not thread-safe; the {@code Lifecycle} calls it from one thread at a time.
 */
final class ServiceProcesses implements RemoteServices {

  /** Options this process's command line gives that each child gets its own value of. */
  private static final Set<String> OWN_OPTIONS = Set.of("--port", "--admin-port", "--chaos", "--role", "--namespace",
      "--services", "--single-process", "--inventory", "--payment", "--instance");

  private final OrderSystemOptions options;
  private final String namespace;
  private final List<String> args;
  private final List<Process> children = new ArrayList<>();
  private final List<Process> support = new ArrayList<>();
  private final List<Endpoint> endpoints = new ArrayList<>();

  /**
   * Prepares the instances.
   *
   * @param options how many instances, and how long they may take to stop
   * @param namespace the production backends' namespace they share with this process
   * @param args this process's command line, passed on to them
   */
  ServiceProcesses(OrderSystemOptions options, String namespace, List<String> args) {
    this.options = options;
    this.namespace = namespace;
    this.args = List.copyOf(args);
  }

  @Override
  public String name() {
    return "application";
  }

  @Override
  public void start() throws IOException {
    try {
      spawn();
    } catch (IOException | RuntimeException e) {
      children.forEach(Process::destroyForcibly);
      support.forEach(Process::destroyForcibly);
      throw e;
    }
  }

  private void spawn() throws IOException {
    int inventoryPort = freePort();
    support.add(child("inventory", inventoryPort, List.of(), "inventory service"));
    int paymentPort = freePort();
    support.add(child("payment", paymentPort, List.of(), "payment service"));
    List<String> downstream = List.of("--inventory=127.0.0.1:" + inventoryPort, "--payment=127.0.0.1:" + paymentPort);
    for (int i = 0; i < options.serviceInstances(); i++) {
      int port = freePort();
      children.add(child("service", port, downstream, "order-service " + (i + 1)));
      endpoints.add(Endpoint.builder("127.0.0.1", port).id("order-service-" + (i + 1)).build());
    }
  }

  /** Starts one child JVM in a role, with this process's options but its own, and waits until it is ready. */
  private Process child(String role, int port, List<String> extra, String name) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("java.class.path");
    List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", classpath,
        OrderSystemMain.class.getName(), "--role=" + role, "--namespace=" + namespace));
    for (String arg : args) {
      if (!OWN_OPTIONS.contains(arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg)) {
        command.add(arg);
      }
    }
    command.addAll(extra);
    command.add("--port=" + port);
    command.add("--admin-port=0");
    Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      awaitReady(child, name);
    } catch (IOException e) {
      child.destroyForcibly();
      throw e;
    }
    return child;
  }

  @Override
  public void stop() throws InterruptedException {
    stop(children);
    stop(support);
  }

  private void stop(List<Process> processes) throws InterruptedException {
    for (Process child : processes) {
      child.destroy();
    }
    for (Process child : processes) {
      if (!child.waitFor(options.shutdownDeadline().toMillis(), TimeUnit.MILLISECONDS)) {
        child.destroyForcibly();
      }
    }
  }

  @Override
  public List<Endpoint> endpoints() {
    return List.copyOf(endpoints);
  }

  /**
   * Returns the order-service child processes, in instance order.
   *
   * @return the processes started so far
   */
  List<Process> children() {
    return List.copyOf(children);
  }

  /**
   * Waits until a child prints {@code READY}, then copies its output to this one's, prefixed by its name.
   *
   * @param child the process
   * @param name its name, for the output and errors
   * @throws IOException if it exits or says it cannot start first, or 120 s pass
   */
  static void awaitReady(Process child, String name) throws IOException {
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
