package dev.layerkit.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.test.servers.TestServers;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import dev.layerkit.gateway.ratelimit.redis.RedisRateLimiter;
import dev.layerkit.spring.ratelimit.RateLimitAutoConfiguration;
import dev.layerkit.spring.ratelimit.RateLimiterRegistry;
import io.lettuce.core.RedisClient;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Where Layerkit's Redis connection comes from, on the real Redis. */
class LayerkitRedisAutoConfigurationIT {

  private final String prefix = "it:" + UUID.randomUUID() + ":";

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LayerkitRedisAutoConfiguration.class, RateLimitAutoConfiguration.class))
      .withPropertyValues(
          "layerkit.ratelimit.limiters.api.limits[0].permits=1",
          "layerkit.ratelimit.limiters.api.limits[0].period=1h",
          "layerkit.ratelimit.limiters.api.key-prefix=" + prefix);

  @Test
  void withoutAnyRedisThereIsNoConnectionAndLimitersStayInMemory() {
    runner.run(context -> {
      assertThat(context).doesNotHaveBean(LayerkitRedis.class);
      assertThat(context.getBean(RateLimiterRegistry.class).get("api")).isNotInstanceOf(RedisRateLimiter.class);
    });
  }

  @Test
  void fromTheUrlPropertyLimitersAreInRedisAndShareTheirBuckets() {
    runner.withPropertyValues("layerkit.redis.url=" + TestServers.redis().uri()).run(first -> {
      assertThat(first).hasSingleBean(LayerkitRedis.class);
      RateLimiter limiter = first.getBean("apiRateLimiter", RateLimiter.class);
      assertThat(limiter).isInstanceOf(RedisRateLimiter.class);
      assertThat(limiter.tryAcquire("k").allowed()).isTrue();
      runner.withPropertyValues("layerkit.redis.url=" + TestServers.redis().uri()).run(second ->
          assertThat(second.getBean("apiRateLimiter", RateLimiter.class).tryAcquire("k").allowed())
              .as("the other instance sees the spent bucket").isFalse());
    });
  }

  @Test
  void fromAnApplicationRedisClient() {
    runner.withUserConfiguration(OwnClient.class).run(context -> {
      assertThat(context.getBean(LayerkitRedis.class).connection().sync().ping()).isEqualTo("PONG");
      assertThat(context.getBean(RateLimiterRegistry.class).get("api")).isInstanceOf(RedisRateLimiter.class);
    });
  }

  @Test
  void fromSpringDataRedisConnectionFactory() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
            LayerkitRedisAutoConfiguration.class))
        .withPropertyValues("spring.data.redis.url=" + TestServers.redis().uri())
        .run(context -> assertThat(context.getBean(LayerkitRedis.class).connection().sync().ping())
            .isEqualTo("PONG"));
  }

  @Test
  void applicationLayerkitRedisWins() {
    runner.withUserConfiguration(OwnLayerkitRedis.class)
        .withPropertyValues("layerkit.redis.url=redis://127.0.0.1:1")
        .run(context -> assertThat(context).hasNotFailed().getBean(LayerkitRedis.class)
            .isSameAs(context.getBean("ownRedis")));
  }

  @Test
  void badUrlFailsTheStartNamingTheProperty() {
    runner.withPropertyValues("layerkit.redis.url=http://nowhere").run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("layerkit.redis.url");
    });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnClient {
    @Bean(destroyMethod = "shutdown")
    RedisClient redisClient() {
      return RedisClient.create(TestServers.redis().uri());
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnLayerkitRedis {
    @Bean(destroyMethod = "close")
    LayerkitRedis ownRedis() {
      return LayerkitRedis.connect(TestServers.redis().uri());
    }
  }
}
