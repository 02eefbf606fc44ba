package dev.layerkit.spring.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import dev.layerkit.gateway.ratelimit.RateLimiters;
import dev.layerkit.spring.ratelimit.reactive.RateLimitWebFilter;
import dev.layerkit.spring.ratelimit.servlet.RateLimitServletFilter;
import jakarta.servlet.FilterChain;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.mock.web.server.MockServerWebExchange;
import reactor.core.publisher.Mono;

class RateLimitAutoConfigurationTest {

  private static final String[] TWO_PER_MINUTE = {
      "layerkit.ratelimit.limiters.orders.limits[0].permits=2",
      "layerkit.ratelimit.limiters.orders.limits[0].period=1m",
      "layerkit.ratelimit.web.rules[0].paths=/orders/**",
      "layerkit.ratelimit.web.rules[0].limiter=orders"
  };

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class));

  @Test
  void configuredLimiterIsANamedBeanInMemoryWithoutRedis() {
    runner.withPropertyValues(TWO_PER_MINUTE).run(context -> {
      RateLimiterRegistry registry = context.getBean(RateLimiterRegistry.class);
      RateLimiter bean = context.getBean("ordersRateLimiter", RateLimiter.class);
      assertThat(registry.get("orders")).isSameAs(bean);
      assertThat(registry.isNonBlocking("orders")).isTrue();
      assertThat(bean.policy()).isEqualTo(RateLimitPolicy.of(Limit.perMinute(2)));
      assertThat(bean.tryAcquire("k").allowed()).isTrue();
      assertThat(bean.tryAcquire("k").allowed()).isTrue();
      assertThat(bean.tryAcquire("k").allowed()).isFalse();
    });
  }

  @Test
  void disabledMakesNoLimiters() {
    runner.withPropertyValues(TWO_PER_MINUTE).withPropertyValues("layerkit.ratelimit.enabled=false")
        .run(context -> assertThat(context).hasNotFailed()
            .doesNotHaveBean(RateLimiterRegistry.class).doesNotHaveBean("ordersRateLimiter"));
  }

  @Test
  void applicationLimiterBeanReplacesTheConfiguredOne() {
    runner.withPropertyValues(TWO_PER_MINUTE).withUserConfiguration(OwnLimiter.class).run(context -> {
      RateLimiter own = context.getBean("ordersRateLimiter", RateLimiter.class);
      assertThat(own.policy()).isEqualTo(RateLimitPolicy.of(Limit.perSecond(1000)));
      assertThat(context.getBean(RateLimiterRegistry.class).get("orders")).isSameAs(own);
    });
  }

  @Test
  void applicationRegistryReplacesTheStarters() {
    runner.withPropertyValues(TWO_PER_MINUTE[0], TWO_PER_MINUTE[1]).withUserConfiguration(OwnRegistry.class)
        .run(context -> assertThat(context.getBean(RateLimiterRegistry.class).names()).containsExactly("custom"));
  }

  @Test
  void redisBackendWithoutRedisFailsTheStartNamingTheProperty() {
    runner.withPropertyValues(TWO_PER_MINUTE).withPropertyValues("layerkit.ratelimit.limiters.orders.backend=redis")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause()
              .hasMessageContaining("layerkit.ratelimit.limiters.orders.backend")
              .hasMessageContaining("no Redis is configured");
        });
  }

  @Test
  void noWebFilterOutsideAWebApplication() {
    runner.withPropertyValues(TWO_PER_MINUTE).run(context -> assertThat(context)
        .doesNotHaveBean(RateLimitWebFilter.class).doesNotHaveBean("layerkitRateLimitFilter"));
  }

  @Test
  void servletFilterAnswers429WithHeadersOnceTheLimitIsSpent() {
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class))
        .withPropertyValues(TWO_PER_MINUTE)
        .run(context -> {
          @SuppressWarnings("unchecked")
          FilterRegistrationBean<RateLimitServletFilter> registration =
              context.getBean("layerkitRateLimitFilter", FilterRegistrationBean.class);
          RateLimitServletFilter filter = registration.getFilter();
          AtomicInteger passed = new AtomicInteger();
          FilterChain chain = (request, response) -> passed.incrementAndGet();
          int[] statuses = new int[3];
          MockHttpServletResponse last = null;
          for (int i = 0; i < 3; i++) {
            MockHttpServletRequest request = new MockHttpServletRequest("GET", "/orders/1");
            request.setRemoteAddr("192.0.2.7");
            last = new MockHttpServletResponse();
            filter.doFilter(request, last, chain);
            statuses[i] = last.getStatus();
          }
          assertThat(statuses).containsExactly(200, 200, 429);
          assertThat(passed).hasValue(2);
          assertThat(last.getHeader("Retry-After")).isEqualTo("30");
          assertThat(last.getHeader("RateLimit-Limit")).isEqualTo("2");
          assertThat(last.getHeader("RateLimit-Remaining")).isEqualTo("0");
          assertThat(last.getHeader("RateLimit-Reset")).isEqualTo("30");
          assertThat(last.getContentType()).isEqualTo("application/problem+json");

          MockHttpServletRequest other = new MockHttpServletRequest("GET", "/health");
          other.setRemoteAddr("192.0.2.7");
          MockHttpServletResponse unmatched = new MockHttpServletResponse();
          filter.doFilter(other, unmatched, chain);
          assertThat(unmatched.getStatus()).isEqualTo(200);
          assertThat(passed).hasValue(3);
        });
  }

  @Test
  void webFluxFilterAnswers429WithHeadersOnceTheLimitIsSpent() {
    new ReactiveWebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class))
        .withPropertyValues(TWO_PER_MINUTE)
        .run(context -> {
          RateLimitWebFilter filter = context.getBean(RateLimitWebFilter.class);
          AtomicInteger passed = new AtomicInteger();
          MockServerWebExchange last = null;
          for (int i = 0; i < 3; i++) {
            last = MockServerWebExchange.from(MockServerHttpRequest.get("/orders/1")
                .remoteAddress(new java.net.InetSocketAddress("192.0.2.8", 4000)));
            filter.filter(last, exchange -> Mono.fromRunnable(passed::incrementAndGet)).block();
          }
          assertThat(passed).hasValue(2);
          assertThat(last.getResponse().getStatusCode().value()).isEqualTo(429);
          assertThat(last.getResponse().getHeaders().getFirst("Retry-After")).isEqualTo("30");
          assertThat(last.getResponse().getHeaders().getFirst("RateLimit-Remaining")).isEqualTo("0");
          assertThat(last.getResponse().getBodyAsString().block()).contains("\"status\":429");
        });
  }

  @Test
  void filtersAreOffWhenWebIsDisabled() {
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class))
        .withPropertyValues(TWO_PER_MINUTE).withPropertyValues("layerkit.ratelimit.web.enabled=false")
        .run(context -> assertThat(context).hasSingleBean(RateLimiterRegistry.class)
            .doesNotHaveBean("layerkitRateLimitFilter"));
  }

  @Test
  void limiterThatThrowsIsA503WithoutAStackTraceOnBothSides() {
    String[] settings = {TWO_PER_MINUTE[0], TWO_PER_MINUTE[1], TWO_PER_MINUTE[2], TWO_PER_MINUTE[3]};
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class))
        .withPropertyValues(settings).withUserConfiguration(BrokenLimiter.class)
        .run(context -> {
          @SuppressWarnings("unchecked")
          FilterRegistrationBean<RateLimitServletFilter> registration =
              context.getBean("layerkitRateLimitFilter", FilterRegistrationBean.class);
          MockHttpServletRequest request = new MockHttpServletRequest("GET", "/orders/1");
          MockHttpServletResponse response = new MockHttpServletResponse();
          AtomicInteger passed = new AtomicInteger();
          registration.getFilter().doFilter(request, response, (req, res) -> passed.incrementAndGet());
          assertThat(response.getStatus()).isEqualTo(503);
          assertThat(response.getContentAsString()).contains("rate limiter unavailable").doesNotContain("Exception");
          assertThat(passed).hasValue(0);
        });
    new ReactiveWebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class))
        .withPropertyValues(settings).withUserConfiguration(BrokenLimiter.class)
        .run(context -> {
          MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/orders/1")
              .remoteAddress(new java.net.InetSocketAddress("192.0.2.8", 4000)));
          AtomicInteger passed = new AtomicInteger();
          context.getBean(RateLimitWebFilter.class)
              .filter(exchange, e -> Mono.fromRunnable(passed::incrementAndGet)).block();
          assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(503);
          assertThat(exchange.getResponse().getBodyAsString().block()).doesNotContain("Exception");
          assertThat(passed).hasValue(0);
        });
  }

  @Configuration(proxyBeanMethods = false)
  static class BrokenLimiter {
    @Bean
    RateLimiter ordersRateLimiter() {
      RateLimitPolicy policy = RateLimitPolicy.of(Limit.perSecond(1));
      return new RateLimiter() {
        @Override
        public dev.layerkit.gateway.ratelimit.RateLimitDecision tryAcquire(String key, long permits) {
          throw new IllegalStateException("backend exploded");
        }

        @Override
        public RateLimitPolicy policy() {
          return policy;
        }
      };
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnLimiter {
    @Bean
    RateLimiter ordersRateLimiter() {
      return RateLimiters.inMemory(RateLimitPolicy.of(Limit.perSecond(1000))).build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnRegistry {
    @Bean
    RateLimiterRegistry registry() {
      return new RateLimiterRegistry(
          Map.of("custom", RateLimiters.inMemory(RateLimitPolicy.of(Limit.perSecond(1))).build()), Set.of());
    }
  }
}
