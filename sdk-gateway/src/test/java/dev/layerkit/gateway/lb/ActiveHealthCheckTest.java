package dev.layerkit.gateway.lb;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.test.ManualScheduler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Active checks against real sockets on loopback; rounds are driven by a {@link ManualScheduler},
 * so nothing waits for an interval.
 */
class ActiveHealthCheckTest {

  private final ManualScheduler scheduler = new ManualScheduler();
  private final ManualTimeSource time = new ManualTimeSource();
  private ServerSocket live;
  private HttpServer http;
  private HttpServer httpBad;

  @AfterEach
  void stopServers() throws IOException {
    if (live != null) {
      live.close();
    }
    if (http != null) {
      http.stop(0);
    }
    if (httpBad != null) {
      httpBad.stop(0);
    }
  }

  @Test
  void tcpCheckMarksAClosedPortUnhealthy() throws IOException {
    live = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    int deadPort;
    try (ServerSocket dead = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      deadPort = dead.getLocalPort();
    }
    Endpoint up = Endpoint.of("127.0.0.1", live.getLocalPort());
    Endpoint down = Endpoint.of("127.0.0.1", deadPort);
    LoadBalancer lb = LoadBalancers.roundRobin().serviceName("tcp").endpoints(List.of(up, down))
        .timeSource(time).scheduler(scheduler).panicThreshold(0)
        .activeHealthCheck(ActiveHealthCheck.tcp().unhealthyThreshold(2).timeout(Duration.ofSeconds(2)).build())
        .build();

    scheduler.runScheduled();
    assertThat(lb.status(down).healthy()).isTrue();  // one failure of the two needed
    scheduler.runScheduled();

    assertThat(lb.status(down).healthy()).isFalse();
    assertThat(lb.status(up).healthy()).isTrue();
    assertThat(lb.availableEndpoints()).containsExactly(up);
    for (int i = 0; i < 10; i++) {
      assertThat(lb.pick()).isEqualTo(up);
    }
    assertThat(lb.healthCheck().check().status()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(lb.healthCheck().check().details()).containsEntry("unhealthy", 1);

    lb.close();
    assertThat(scheduler.scheduledTasks()).isZero();
  }

  @Test
  void httpCheckMarksA500UnhealthyAndTakesItBackWithSlowStart() throws IOException {
    AtomicInteger badStatus = new AtomicInteger(500);
    http = server(new AtomicInteger(204));
    httpBad = server(badStatus);
    Endpoint good = Endpoint.of("127.0.0.1", http.getAddress().getPort());
    Endpoint bad = Endpoint.of("127.0.0.1", httpBad.getAddress().getPort());
    LoadBalancer lb = LoadBalancers.random().serviceName("http").endpoints(List.of(good, bad))
        .timeSource(time).scheduler(scheduler).slowStart(Duration.ofSeconds(10))
        .activeHealthCheck(ActiveHealthCheck.http("/health").unhealthyThreshold(1).healthyThreshold(2).build())
        .build();

    scheduler.runScheduled();

    assertThat(lb.status(good).healthy()).isTrue();
    assertThat(lb.status(bad).healthy()).isFalse();
    assertThat(lb.availableEndpoints()).containsExactly(good);

    badStatus.set(200);
    scheduler.runScheduled();
    assertThat(lb.status(bad).healthy()).isFalse();  // one pass of the two needed
    scheduler.runScheduled();
    assertThat(lb.status(bad).healthy()).isTrue();
    assertThat(lb.status(bad).weightPercent()).isEqualTo(10);  // back with slow start
    assertThat(lb.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
    lb.close();
  }

  @Test
  void httpCheckTreatsARedirectAsAFailure() throws IOException {
    http = server(new AtomicInteger(302));
    Endpoint redirecting = Endpoint.of("127.0.0.1", http.getAddress().getPort());
    LoadBalancer lb = LoadBalancers.roundRobin().endpoints(List.of(redirecting)).scheduler(scheduler)
        .activeHealthCheck(ActiveHealthCheck.http("/health").unhealthyThreshold(1).build())
        .build();

    scheduler.runScheduled();

    assertThat(lb.status(redirecting).healthy()).isFalse();
    lb.close();
  }

  @Test
  void httpCheckCountsEvery2xxAndNothingElseAsHealthy() throws IOException {
    AtomicInteger status = new AtomicInteger(503);
    http = server(status);
    Endpoint endpoint = Endpoint.of("127.0.0.1", http.getAddress().getPort());
    LoadBalancer lb = LoadBalancers.roundRobin().endpoints(List.of(endpoint)).scheduler(scheduler)
        .activeHealthCheck(ActiveHealthCheck.http("/health").unhealthyThreshold(1).healthyThreshold(1).build())
        .build();
    int[][] answers = {{199, 0}, {200, 1}, {300, 0}, {299, 1}};
    for (int[] answer : answers) {
      status.set(answer[0]);
      scheduler.runScheduled();
      assertThat(lb.status(endpoint).healthy()).as("HTTP %d", answer[0]).isEqualTo(answer[1] == 1);
    }
    lb.close();
  }

  /** An HTTP server on a free loopback port answering {@code /health} with the given status. */
  private static HttpServer server(AtomicInteger status) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/health", exchange -> {
      exchange.getResponseHeaders().add("Location", "/elsewhere");
      exchange.sendResponseHeaders(status.get(), -1);
      exchange.close();
    });
    server.start();
    return server;
  }
}
