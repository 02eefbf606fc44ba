package dev.layerkit.spring.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.test.servers.TestServers;
import dev.layerkit.gateway.ratelimit.redis.RedisRateLimiter;
import dev.layerkit.spring.ratelimit.RateLimiterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The servlet filter and @RateLimited on a real Tomcat, with limits in the real Redis. */
@SpringBootTest(classes = DemoApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
        "spring.main.web-application-type=servlet",
        "layerkit.ratelimit.limiters.orders.limits[0].permits=3",
        "layerkit.ratelimit.limiters.orders.limits[0].period=1m",
        "layerkit.ratelimit.limiters.reports.limits[0].permits=1",
        "layerkit.ratelimit.limiters.reports.limits[0].period=1h",
        "layerkit.ratelimit.web.rules[0].paths=/orders/**",
        "layerkit.ratelimit.web.rules[0].limiter=orders",
        "layerkit.ratelimit.web.rules[0].key=api-key",
        // Under fail-open, a decision that timed out would be allowed: generous on a loaded machine.
        "layerkit.ratelimit.redis-timeout=5s",
    })
class ServletRateLimitIT {

  private static final String PREFIX = "it:" + UUID.randomUUID() + ":";

  @DynamicPropertySource
  static void redis(DynamicPropertyRegistry registry) {
    registry.add("layerkit.redis.url", () -> TestServers.redis().uri());
    registry.add("layerkit.ratelimit.limiters.orders.key-prefix", () -> PREFIX + "orders:");
    registry.add("layerkit.ratelimit.limiters.reports.key-prefix", () -> PREFIX + "reports:");
  }

  @LocalServerPort
  int port;

  @Autowired
  RateLimiterRegistry registry;

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(String path, String apiKey) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("X-API-Key", apiKey).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void fourthRequestOfAnApiKeyIsA429WithRetryAfterAndRateLimitHeaders() throws Exception {
    assertThat(registry.get("orders")).isInstanceOf(RedisRateLimiter.class);
    List<Integer> statuses = new ArrayList<>();
    HttpResponse<String> last = null;
    for (int i = 0; i < 4; i++) {
      last = get("/orders/" + i, "alice");
      statuses.add(last.statusCode());
    }
    assertThat(statuses).containsExactly(200, 200, 200, 429);
    assertThat(last.headers().firstValue("Retry-After")).hasValue("20");
    assertThat(last.headers().firstValue("RateLimit-Limit")).hasValue("3");
    assertThat(last.headers().firstValue("RateLimit-Remaining")).hasValue("0");
    assertThat(last.headers().firstValue("RateLimit-Reset")).hasValue("20");
    assertThat(last.body()).contains("\"status\":429").doesNotContain("Exception");

    assertThat(get("/orders/1", "bob").statusCode()).as("another API key has its own bucket").isEqualTo(200);
    int before = DemoApplication.FREE_CALLS.get();
    assertThat(get("/free", "alice").statusCode()).as("no rule matches /free").isEqualTo(200);
    assertThat(DemoApplication.FREE_CALLS.get()).as("the handler ran once").isEqualTo(before + 1);
  }

  @Test
  void rateLimitedAnnotationOnAControllerMethodLimitsIt() throws Exception {
    assertThat(get("/reports", "x").statusCode()).isEqualTo(200);
    HttpResponse<String> denied = get("/reports", "x");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().firstValue("RateLimit-Limit")).hasValue("1");
    assertThat(denied.headers().firstValue("Retry-After")).isPresent();
  }
}
