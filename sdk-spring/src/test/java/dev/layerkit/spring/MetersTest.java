package dev.layerkit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.gateway.ratelimit.RateLimiter;
import dev.layerkit.spring.cache.LayerkitCacheAutoConfiguration;
import dev.layerkit.spring.ratelimit.RateLimitAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Layerkit's meters land on the application's MeterRegistry, tagged with the block's name. */
class MetersTest {

  @Test
  void limiterAndCacheMetersAreOnTheApplicationsRegistry() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
            LayerkitCacheAutoConfiguration.class))
        .withUserConfiguration(Registry.class)
        .withPropertyValues("layerkit.ratelimit.limiters.api.limits[0].permits=1",
            "layerkit.ratelimit.limiters.api.limits[0].period=1m")
        .run(context -> {
          MeterRegistry meters = context.getBean(MeterRegistry.class);
          RateLimiter limiter = context.getBean("apiRateLimiter", RateLimiter.class);
          limiter.tryAcquire("k");
          limiter.tryAcquire("k");
          assertThat(meters.get("layerkit.ratelimit.decisions").tag("name", "api").tag("result", "allowed")
              .counter().count()).isEqualTo(1);
          assertThat(meters.get("layerkit.ratelimit.decisions").tag("name", "api").tag("result", "denied")
              .counter().count()).isEqualTo(1);

          context.getBean(CacheManager.class).getCache("orders").get("o-1", () -> "order");
          assertThat(meters.get("layerkit.cache.gets").tag("name", "orders").tag("result", "miss")
              .functionCounter().count()).isEqualTo(1);
        });
  }

  @Configuration(proxyBeanMethods = false)
  @EnableCaching
  static class Registry {
    @Bean
    MeterRegistry meterRegistry() {
      return new SimpleMeterRegistry();
    }
  }
}
