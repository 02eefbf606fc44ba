package dev.layerkit.test.servers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A {@code redis-server} process of one test, which the test may stop with {@code SIGSTOP} (the
 * server keeps its connections but answers nothing, like a Redis stalled by a long command, a
 * fork or a paused VM) and continue with {@code SIGCONT}. Never the shared server: other tests
 * use that one. Started without persistence on a free loopback port.
 */
public final class PausableRedis implements AutoCloseable {

  /** Debian's {@code redis-server} package installs it here. */
  public static final Path BINARY = Path.of("/usr/bin/redis-server");

  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

  private final Process process;
  private final int port;

  private PausableRedis(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /**
   * Starts a server and waits until it accepts connections.
   *
   * @return the running server
   * @throws IllegalStateException if {@link #BINARY} is missing or the server does not start
   * @throws IOException if the process cannot be started
   */
  public static PausableRedis start() throws IOException, InterruptedException {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException("this test pauses a Redis of its own and needs " + BINARY
          + " (Debian: apt-get install redis-server)");
    }
    int port = freePort();
    Process process = new ProcessBuilder(BINARY.toString(), "--port", Integer.toString(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
        return new PausableRedis(process, port);
      } catch (IOException notYet) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          process.destroyForcibly();
          throw new IllegalStateException("redis-server on port " + port + " did not start within "
              + START_TIMEOUT + " (exit " + (process.isAlive() ? "none" : process.exitValue()) + ")");
        }
        Thread.sleep(20); // polling a process's start-up, not waiting for time-based logic
      }
    }
  }

  /** Returns the URI to connect to. */
  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** Stops the process ({@code SIGSTOP}) and returns once the kernel reports it stopped. */
  public void pause() throws IOException, InterruptedException {
    signal("STOP");
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!stopped()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("redis-server " + process.pid() + " did not stop");
      }
      Thread.sleep(1); // polling the kernel's process state
    }
  }

  /** Continues the process ({@code SIGCONT}). */
  public void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  /** Whether the process is in the stopped state ({@code T} in {@code /proc/<pid>/stat}). */
  private boolean stopped() throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
    // pid (comm) state ...: comm may hold spaces, so read after its closing parenthesis.
    return stat.charAt(stat.lastIndexOf(')') + 2) == 'T';
  }

  private void signal(String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
        .redirectErrorStream(true).start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
    }
  }

  /** Kills the process, stopped or not. */
  @Override
  public void close() {
    process.destroyForcibly(); // SIGKILL reaches a stopped process too
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the process is killed; only the wait was cut short
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
