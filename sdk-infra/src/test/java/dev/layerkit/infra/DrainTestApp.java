package dev.layerkit.infra;

import dev.layerkit.core.health.HealthStatus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * The child process of {@link GracefulDrainIT}: an {@link AdminServer} and a tiny HTTP endpoint
 * whose {@code /slow} requests wait until the parent writes {@code release} to standard input,
 * under a {@link Lifecycle} with its SIGTERM hook. It reports what happens on standard output.
 *
 * <p>Arguments: pre-stop delay and shutdown deadline, in milliseconds, and optionally
 * {@code stuck} to add a component whose drain never ends.
 */
public final class DrainTestApp {

  private static final PrintStream OUT = System.out;

  private DrainTestApp() {}

  static void report(String line) {
    synchronized (OUT) {
      OUT.println(line);
      OUT.flush();
    }
  }

  /**
   * Runs the app until SIGTERM.
   *
   * @param args pre-stop delay and shutdown deadline in milliseconds
   * @throws Exception if it cannot start
   */
  public static void main(String[] args) throws Exception {
    HealthRegistry health = HealthRegistry.builder().build();
    SlowHttpServer app = new SlowHttpServer();
    AdminServer[] admin = new AdminServer[1];
    Lifecycle lifecycle = Lifecycle.builder()
        .healthRegistry(health)
        .preStopDelay(Duration.ofMillis(Long.parseLong(args[0])))
        .shutdownDeadline(Duration.ofMillis(Long.parseLong(args[1])))
        .build();
    lifecycle.register(Lifecycle.Component.of("admin",
        () -> admin[0] = AdminServer.builder(health).bindAddress(InetAddress.getLoopbackAddress()).port(0).start(),
        () -> admin[0].close()));
    lifecycle.register(Lifecycle.Component.of("app", app::start, () -> {
      HealthStatus ready = health.report(HealthRegistry.READINESS).status();
      app.closeListener();
      report("EVENT listener-closed ready=" + ready);
      app.awaitNoneInFlight();
      report("EVENT drained");
    }, app::closeConnections), "admin");
    if (args.length > 2 && args[2].equals("stuck")) {
      // A component whose drain never finishes: the lifecycle must name it, abandon it and exit 1.
      lifecycle.register(Lifecycle.Component.of("stuck-consumer", () -> { }, () -> new CountDownLatch(1).await(),
          () -> report("EVENT stuck-consumer stopped")), "app");
    }
    lifecycle.start();
    lifecycle.installShutdownHook();

    Thread stdin = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          if (line.equals("release")) {
            app.release.countDown();
          }
        }
      } catch (IOException e) {
        report("ERROR stdin " + e);
      }
    }, "stdin");
    stdin.setDaemon(true);
    stdin.start();
    report("LISTENING app=" + app.listener.getLocalPort() + " admin=" + admin[0].port());
    new CountDownLatch(1).await();
  }

  /** A minimal HTTP/1.1 server, one thread a connection, {@code Connection: close}. */
  static final class SlowHttpServer {
    final CountDownLatch release = new CountDownLatch(1);
    final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    ServerSocket listener;
    private int inFlight;

    void start() throws IOException {
      listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread acceptor = new Thread(() -> {
        while (true) {
          Socket socket;
          try {
            socket = listener.accept();
          } catch (IOException e) {
            return;   // listener closed
          }
          connections.add(socket);
          Thread handler = new Thread(() -> handle(socket), "conn");
          handler.setDaemon(true);
          handler.start();
        }
      }, "acceptor");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    private void handle(Socket socket) {
      try (socket) {
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
        String requestLine = in.readLine();
        for (String header = in.readLine(); header != null && !header.isEmpty(); header = in.readLine()) {
          // Requests carry no body; headers are skipped.
        }
        String body;
        if (requestLine != null && requestLine.startsWith("GET /slow ")) {
          int count;
          synchronized (this) {
            count = ++inFlight;
          }
          report("ACCEPTED " + count);
          release.await();
          body = "done";
        } else {
          body = "pong";
        }
        byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
        OutputStream out = socket.getOutputStream();
        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        if (body.equals("done")) {
          synchronized (this) {
            inFlight--;
            notifyAll();
          }
        }
      } catch (IOException | InterruptedException e) {
        report("ERROR handler " + e);
      } finally {
        connections.remove(socket);
      }
    }

    void closeListener() throws IOException {
      listener.close();
    }

    synchronized void awaitNoneInFlight() throws InterruptedException {
      while (inFlight > 0) {
        wait();
      }
    }

    void closeConnections() throws IOException {
      for (Socket socket : connections) {
        socket.close();
      }
    }
  }
}
