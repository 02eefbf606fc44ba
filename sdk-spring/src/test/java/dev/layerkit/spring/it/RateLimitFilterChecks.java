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
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The rate-limit filter and @RateLimited checked through a real server with the limits in the real
 * Redis: {@link ServletRateLimitIT} runs them on Tomcat, {@link WebFluxRateLimitIT} on Reactor
 * Netty. Each subclass gives the server its own key prefix, so their buckets never meet.
 */
abstract class RateLimitFilterChecks {

  /** The Redis URL and the limiters' key prefixes under {@code prefix}. */
  static void redis(DynamicPropertyRegistry registry, String prefix) {
    registry.add("layerkit.redis.url", () -> TestServers.redis().uri());
    registry.add("layerkit.ratelimit.limiters.orders.key-prefix", () -> prefix + "orders:");
    registry.add("layerkit.ratelimit.limiters.reports.key-prefix", () -> prefix + "reports:");
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
