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
 * gateway-only process with production backends: {@link #start()} spawns them and waits until
 * each prints {@code READY}, {@link #stop()} sends them SIGTERM, so each drains, and waits for
 * them. Not thread-safe; the {@code Lifecycle} calls it from one thread at a time.
 */
final class ServiceProcesses implements RemoteServices {

  /** Options this process's command line gives that each child gets its own value of. */
  private static final Set<String> OWN_OPTIONS =
      Set.of("--port", "--admin-port", "--chaos", "--role", "--namespace", "--services", "--single-process");

  private final OrderSystemOptions options;
  private final String namespace;
  private final List<String> args;
  private final List<Process> children = new ArrayList<>();
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
      throw e;
    }
  }

  private void spawn() throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("java.class.path");
    for (int i = 0; i < options.serviceInstances(); i++) {
      int port = freePort();
      List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", classpath,
          OrderSystemMain.class.getName(), "--role=service", "--namespace=" + namespace));
      for (String arg : args) {
        if (!OWN_OPTIONS.contains(arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg)) {
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
  }

  @Override
  public void stop() throws InterruptedException {
    for (Process child : children) {
      child.destroy();
    }
    for (Process child : children) {
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
   * Returns the child processes, in instance order.
   *
   * @return the processes started so far
   */
  List<Process> children() {
    return List.copyOf(children);
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
