package dev.layerkit.spring.boot35;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.spring.cache.LayerkitCacheManager;
import dev.layerkit.spring.ratelimit.RateLimited;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring Boot 3.5 application with the starter, configured from properties only, as on Boot 4:
 * the servlet filter answers 429 with {@code Retry-After} and {@code RateLimit-*} headers once a
 * rule's limit is used up, {@code @RateLimited} does the same on a handler method, and
 * {@code @Cacheable} runs on the starter's {@code CacheManager}. Actuator is on the class path:
 * the starter's health part (Boot 4's health API) backs off and the application still starts.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "layerkit.ratelimit.backend=memory",
    "layerkit.ratelimit.limiters.orders.limits[0].permits=2",
    "layerkit.ratelimit.limiters.orders.limits[0].period=1h",
    "layerkit.ratelimit.limiters.reports.limits[0].permits=1",
    "layerkit.ratelimit.limiters.reports.limits[0].period=1h",
    "layerkit.ratelimit.web.rules[0].paths=/orders/**",
    "layerkit.ratelimit.web.rules[0].limiter=orders",
    "layerkit.cache.backend=memory",
    "management.endpoints.web.exposure.include=health"})
class Boot35StarterIT {

  @Autowired
  TestRestTemplate http;

  @Autowired
  CacheManager cacheManager;

  @Autowired
  Prices prices;

  @Test
  void runsOnSpringBoot35() {
    assertThat(SpringBootVersion.getVersion()).startsWith("3.5.");
  }

  @Test
  void theFilterAnswers429WithRetryAfterAndRateLimitHeadersOnceTheRuleIsUsedUp() {
    assertThat(http.getForEntity("/orders/1", String.class).getStatusCode()).isEqualTo(HttpStatus.OK);
    assertThat(http.getForEntity("/orders/2", String.class).getStatusCode()).isEqualTo(HttpStatus.OK);

    ResponseEntity<String> denied = http.getForEntity("/orders/3", String.class);

    assertThat(denied.getStatusCode()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
    assertThat(denied.getHeaders().getFirst("Retry-After")).isNotNull();
    assertThat(Long.parseLong(denied.getHeaders().getFirst("Retry-After"))).isPositive();
    assertThat(denied.getHeaders().getFirst("RateLimit-Limit")).isEqualTo("2");
    assertThat(denied.getHeaders().getFirst("RateLimit-Remaining")).isEqualTo("0");
    assertThat(denied.getHeaders().getContentType()).hasToString("application/problem+json");
  }

  @Test
  void rateLimitedOnAHandlerMethodAnswers429OnceItsLimiterIsUsedUp() {
    assertThat(http.getForEntity("/reports", String.class).getStatusCode()).isEqualTo(HttpStatus.OK);

    ResponseEntity<String> denied = http.getForEntity("/reports", String.class);

    assertThat(denied.getStatusCode()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
    assertThat(denied.getHeaders().getFirst("Retry-After")).isNotNull();
  }

  @Test
  void cacheableRunsOnTheStartersCacheManagerAndLoadsOncePerKey() {
    assertThat(cacheManager).isInstanceOf(LayerkitCacheManager.class);

    assertThat(prices.price("apple")).isEqualTo("price of apple #1");
    assertThat(prices.price("apple")).isEqualTo("price of apple #1");
    assertThat(prices.price("pear")).isEqualTo("price of pear #2");
    assertThat(prices.loads()).isEqualTo(2);
  }

  @Test
  void actuatorHealthAnswersWithTheStarterOnTheClassPath() {
    ResponseEntity<String> health = http.getForEntity("/actuator/health", String.class);

    assertThat(health.getStatusCode()).isEqualTo(HttpStatus.OK);
    assertThat(health.getBody()).contains("\"status\":\"UP\"");
  }

  /** The application under test. */
  @SpringBootApplication
  @EnableCaching
  @RestController
  static class Application {

    @GetMapping("/orders/{id}")
    String order(@PathVariable String id) {
      return "order " + id;
    }

    @GetMapping("/reports")
    @RateLimited("reports")
    String reports() {
      return "reports";
    }

    @Bean
    Prices prices() {
      return new Prices();
    }
  }

  /** A cached service: counts its loads. */
  static class Prices {
    private final AtomicInteger loads = new AtomicInteger();

    @Cacheable(cacheNames = "prices", sync = true)
    public String price(String item) {
      return "price of " + item + " #" + loads.incrementAndGet();
    }

    int loads() {
      return loads.get();
    }
  }
}
