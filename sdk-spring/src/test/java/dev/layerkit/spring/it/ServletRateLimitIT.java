package dev.layerkit.spring.it;

import java.util.UUID;
import org.springframework.boot.test.context.SpringBootTest;
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
class ServletRateLimitIT extends RateLimitFilterChecks {

  private static final String PREFIX = "it:" + UUID.randomUUID() + ":";

  @DynamicPropertySource
  static void redis(DynamicPropertyRegistry registry) {
    redis(registry, PREFIX);
  }
}
