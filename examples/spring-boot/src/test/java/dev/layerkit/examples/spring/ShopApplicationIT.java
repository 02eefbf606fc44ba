package dev.layerkit.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Starts the example as its main does, on its own application.properties and embedded defaults
 * (no Redis, no Kafka), and calls it over HTTP.
 */
class ShopApplicationIT {

  private static ConfigurableApplicationContext context;
  private static int port;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    // Command-line arguments, as a user would pass them: they win over application.properties.
    context = new SpringApplicationBuilder(ShopApplication.class).run(
        "--server.port=0",
        "--layerkit.ratelimit.limiters.api.limits[0].permits=3",
        "--layerkit.ratelimit.limiters.api.limits[0].period=1h",
        "--layerkit.ratelimit.limiters.api.limits[0].burst=3");
    port = ((WebServerApplicationContext) context).getWebServer().getPort();
  }

  @AfterAll
  static void stop() {
    if (context != null) {
      context.close();
    }
  }

  private HttpResponse<String> send(String method, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, HttpRequest.BodyPublishers.noBody())
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void productsAreCachedAndRateLimitedPerClient() throws Exception {
    PriceService prices = context.getBean(PriceService.class);
    int before = prices.lookups();
    HttpResponse<String> first = send("GET", "/products/p-1");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).contains("\"id\":\"p-1\"");
    assertThat(send("GET", "/products/p-1").body()).isEqualTo(first.body());
    assertThat(send("GET", "/products/p-1").statusCode()).isEqualTo(200);
    assertThat(prices.lookups()).as("one slow lookup, then cache hits").isEqualTo(before + 1);

    HttpResponse<String> limited = send("GET", "/products/p-1");
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("Retry-After")).isPresent();
    assertThat(limited.headers().firstValue("RateLimit-Limit")).isPresent();
  }

  @Test
  void concurrentMissesOfOneProductLookItUpOnce() throws Exception {
    PriceService prices = context.getBean(PriceService.class);
    int before = prices.lookups();
    ExecutorService pool = Executors.newFixedThreadPool(32);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Long>> results = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        results.add(pool.submit(() -> {
          go.await();
          return prices.price("p-concurrent");
        }));
      }
      go.countDown();
      long expected = results.get(0).get(60, TimeUnit.SECONDS);
      for (Future<Long> result : results) {
        assertThat(result.get(60, TimeUnit.SECONDS)).isEqualTo(expected);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(prices.lookups()).isEqualTo(before + 1);
    prices.reprice();
    prices.price("p-concurrent");
    assertThat(prices.lookups()).as("@CacheEvict(allEntries) cleared the cache").isEqualTo(before + 2);
  }

  @Test
  void anOrderIsPublishedAndCountedByTheSubscriber() throws Exception {
    OrderStats stats = context.getBean(OrderStats.class);
    long before = stats.orders();
    assertThat(send("POST", "/orders/p-9").statusCode()).isEqualTo(202);
    await().atMost(Duration.ofSeconds(30)).until(() -> stats.orders() == before + 1);
    HttpResponse<String> report = send("GET", "/reports");
    assertThat(report.statusCode()).isEqualTo(200);
    assertThat(report.body()).contains("\"orders\":" + stats.orders());
  }

  @Test
  void readinessIncludesLayerkitsChecks() throws Exception {
    HttpResponse<String> readiness = send("GET", "/actuator/health/readiness");
    assertThat(readiness.statusCode()).isEqualTo(200);
    assertThat(readiness.body()).contains("layerkitReadiness").contains("\"status\":\"UP\"");
  }
}
