package dev.layerkit.examples.orders;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A {@code redis-server} this program starts for itself, on a free loopback port without
 * persistence, which the chaos run may stop with {@code SIGSTOP} (the server keeps its connections
 * but answers nothing, as a Redis stalled by a fork or a paused VM does) and continue with
 * {@code SIGCONT}. A chaos run pauses this one, never a Redis that others share.
 *
 * <p>The JDK sends no signal but SIGTERM and SIGKILL, so the pause runs {@code kill -STOP}.
 * Thread-safe.
 */
final class RedisProcess implements AutoCloseable {

  /** Where Debian's {@code redis-server} package installs it. */
  static final Path DEFAULT_BINARY = Path.of("/usr/bin/redis-server");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

  private final Process process;
  private final int port;

  private RedisProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /**
   * Starts a server and waits until it accepts connections.
   *
   * @param binary the {@code redis-server} executable
   * @return the running server
   * @throws IllegalArgumentException if the binary is not executable
   * @throws IOException if the process cannot be started or does not listen within 20 s
   */
  static RedisProcess start(Path binary) throws IOException {
    if (!Files.isExecutable(binary)) {
      throw new IllegalArgumentException("the chaos run pauses a Redis of its own and needs redis-server,"
          + " but '" + binary + "' is not executable (Debian: apt-get install redis-server; or --redis-server=PATH)");
    }
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Process process = new ProcessBuilder(binary.toString(), "--port", Integer.toString(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
        return new RedisProcess(process, port);
      } catch (IOException notYet) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          process.destroyForcibly();
          throw new IOException("redis-server on port " + port + " did not start within " + START_TIMEOUT);
        }
        pause(20);
      }
    }
  }

  /** Returns the server's URI. */
  String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** Returns the process id. */
  long pid() {
    return process.pid();
  }

  /**
   * Stops the process ({@code SIGSTOP}) and returns once the kernel reports it stopped.
   *
   * @throws IOException if the signal cannot be sent or the process does not stop within 20 s
   */
  void pause() throws IOException {
    signal("STOP");
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!stopped()) {
      if (System.nanoTime() > deadline) {
        throw new IOException("redis-server " + process.pid() + " did not stop");
      }
      pause(1);
    }
  }

  /**
   * Continues the process ({@code SIGCONT}).
   *
   * @throws IOException if the signal cannot be sent
   */
  void resume() throws IOException {
    signal("CONT");
  }

  /** Whether the process is stopped ({@code T} in {@code /proc/<pid>/stat}, after the command's parenthesis). */
  private boolean stopped() throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
    return stat.charAt(stat.lastIndexOf(')') + 2) == 'T';
  }

  private void signal(String signal) throws IOException {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
        .redirectErrorStream(true).start();
    try {
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IOException("kill -" + signal + " " + process.pid() + " failed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while sending SIG" + signal, e);
    }
  }

  private static void pause(long millis) throws IOException {
    try {
      Thread.sleep(millis); // polling a process's state, not waiting for time-based logic
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for redis-server", e);
    }
  }

  /** Kills the process, stopped or not (SIGKILL reaches a stopped process). */
  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
