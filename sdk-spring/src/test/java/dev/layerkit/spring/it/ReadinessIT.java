package dev.layerkit.spring.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import redis.embedded.RedisServer;

/**
 * Actuator readiness over Layerkit's checks when Redis goes away: a private redis-server on a
 * free port (never the shared one), stopped mid-test.
 */
class ReadinessIT {

  private RedisServer server;
  private ConfigurableApplicationContext context;
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() throws IOException {
    if (context != null) {
      context.close();
    }
    if (server != null) {
      server.stop();
    }
  }

  private int startRedisAndApplication(String failMode) throws IOException {
    int redisPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      redisPort = socket.getLocalPort();
    }
    server = RedisServer.newRedisServer().port(redisPort).bind("127.0.0.1").build();
    server.start();
    context = new SpringApplicationBuilder(DemoApplication.class)
        .web(WebApplicationType.SERVLET)
        .properties(
            "server.port=0",
            "layerkit.redis.url=redis://127.0.0.1:" + redisPort,
            "layerkit.ratelimit.fail-mode=" + failMode,
            "layerkit.ratelimit.redis-timeout=2s",
            "layerkit.ratelimit.limiters.orders.limits[0].permits=100",
            "layerkit.ratelimit.limiters.orders.limits[0].period=1s",
            "layerkit.ratelimit.web.rules[0].paths=/orders/**",
            "layerkit.ratelimit.web.rules[0].limiter=orders",
            "management.endpoint.health.probes.enabled=true",
            "management.endpoint.health.show-details=always",
            "management.endpoint.health.group.readiness.show-details=always")
        .run();
    return ((WebServerApplicationContext) context).getWebServer().getPort();
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void readinessGoesDownWhenRedisStopsUnderFailClosed() throws Exception {
    int port = startRedisAndApplication("closed");
    HttpResponse<String> ready = get(port, "/actuator/health/readiness");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).contains("ratelimit-redis-orders");

    server.stop();

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      HttpResponse<String> down = get(port, "/actuator/health/readiness");
      assertThat(down.statusCode()).isEqualTo(503);
      assertThat(down.body()).contains("\"status\":\"DOWN\"").contains("Redis unreachable")
          .contains("failing CLOSED");
    });
    assertThat(get(port, "/actuator/health/liveness").statusCode()).as("liveness does not follow Redis")
        .isEqualTo(200);
    assertThat(get(port, "/orders/1").statusCode()).as("fail closed denies").isEqualTo(429);
  }

  @Test
  void failOpenKeepsReadinessUpAndSaysWhy() throws Exception {
    int port = startRedisAndApplication("open");
    server.stop();

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      HttpResponse<String> readiness = get(port, "/actuator/health/readiness");
      assertThat(readiness.statusCode()).isEqualTo(200);
      assertThat(readiness.body()).contains("\"degraded\":true").contains("Redis unreachable");
    });
    assertThat(get(port, "/orders/1").statusCode()).as("fail open allows").isEqualTo(200);
  }
}
