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
 * An application whose Redis is not up when it starts, under fail-open: it starts, readiness is
 * DOWN naming Redis, requests pass; once a private redis-server comes up on that port (never the
 * shared one), readiness is UP and the limits and the cache work, without a restart.
 */
class RedisDownAtStartIT {

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

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void startsWithoutRedisReadinessSaysWhyAndLimitsApplyOnceRedisIsUp() throws Exception {
    int redisPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      redisPort = socket.getLocalPort();
    }
    context = new SpringApplicationBuilder(DemoApplication.class)
        .web(WebApplicationType.SERVLET)
        .properties(
            "server.port=0",
            "layerkit.redis.url=redis://127.0.0.1:" + redisPort,
            "layerkit.ratelimit.fail-mode=open",
            "layerkit.ratelimit.redis-timeout=2s",
            "layerkit.ratelimit.limiters.orders.limits[0].permits=2",
            "layerkit.ratelimit.limiters.orders.limits[0].period=1h",
            "layerkit.ratelimit.web.rules[0].paths=/orders/**",
            "layerkit.ratelimit.web.rules[0].limiter=orders",
            "layerkit.cache.redis-timeout=2s",
            "management.endpoint.health.probes.enabled=true",
            "management.endpoint.health.show-details=always",
            "management.endpoint.health.group.readiness.show-details=always")
        .run();
    int port = ((WebServerApplicationContext) context).getWebServer().getPort();
    DemoApplication.PriceService prices = context.getBean(DemoApplication.PriceService.class);

    HttpResponse<String> notReady = get(port, "/actuator/health/readiness");
    assertThat(notReady.statusCode()).isEqualTo(503);
    assertThat(notReady.body()).contains("\"status\":\"DOWN\"").contains("not connected to Redis (127.0.0.1:" + redisPort);
    assertThat(get(port, "/actuator/health/liveness").statusCode()).isEqualTo(200);
    for (int i = 0; i < 5; i++) {
      assertThat(get(port, "/orders/1").statusCode()).as("fail open: request %d passes", i).isEqualTo(200);
    }
    int loadsBefore = DemoApplication.PRICE_LOADS.get();
    assertThat(prices.price("down-sku")).isEqualTo("price-of-down-sku");
    assertThat(DemoApplication.PRICE_LOADS.get()).as("the cache reads through to the method").isEqualTo(loadsBefore + 1);

    server = RedisServer.newRedisServer().port(redisPort).bind("127.0.0.1").build();
    server.start();

    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      HttpResponse<String> ready = get(port, "/actuator/health/readiness");
      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
      assertThat(ready.body()).contains("\"redis\":{\"details\":{\"target\":\"127.0.0.1:" + redisPort + "\"},\"status\":\"UP\"}");
    });
    // The limiter counts in Redis now: the bucket of 2 is spent by the first two requests.
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
        assertThat(get(port, "/orders/1").statusCode()).isEqualTo(429));
    HttpResponse<String> denied = get(port, "/orders/1");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().firstValue("Retry-After")).isPresent();

    java.util.concurrent.atomic.AtomicInteger attempt = new java.util.concurrent.atomic.AtomicInteger();
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      String sku = "up-sku-" + attempt.incrementAndGet();
      int loads = DemoApplication.PRICE_LOADS.get();
      prices.price(sku);
      prices.price(sku);
      assertThat(DemoApplication.PRICE_LOADS.get()).as("the second call is a Redis hit").isEqualTo(loads + 1);
    });
  }
}
