package dev.layerkit.spring.redis;

import dev.layerkit.spring.LayerkitProperties;
import dev.layerkit.spring.health.HealthCheckSource;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Makes the {@link LayerkitRedis} bean, from the first of: a Lettuce {@link RedisClient} bean,
 * Spring Data Redis's {@link LettuceConnectionFactory} (its native client), or
 * {@code layerkit.redis.url}. None of them, and Layerkit's backends stay in memory. Backs off when
 * the application defines a {@code LayerkitRedis}.
 *
 * <p>A Redis that does not answer at start does not fail the start: the connection is made in the
 * background ({@link LayerkitRedis#connectInBackground(String)}), the backends follow their fail
 * modes meanwhile, and the {@code redis} health check keeps readiness {@code DOWN} with the reason
 * until Redis answers. A malformed {@code layerkit.redis.url} does fail the start.
 */
@AutoConfiguration(afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@ConditionalOnClass(RedisClient.class)
@EnableConfigurationProperties(LayerkitProperties.class)
@Import({
    LayerkitRedisAutoConfiguration.FromRedisClient.class,
    LayerkitRedisAutoConfiguration.FromConnectionFactory.class,
    LayerkitRedisAutoConfiguration.FromUrl.class
})
public class LayerkitRedisAutoConfiguration {

  /** Created by Spring. */
  public LayerkitRedisAutoConfiguration() {}

  /**
   * The connection's {@code redis} check in Layerkit's health (and so in readiness): {@code DOWN}
   * until Redis has answered once.
   *
   * @param redis the connections, if Layerkit has Redis
   * @return the source
   */
  @Bean
  @ConditionalOnMissingBean(name = "layerkitRedisHealth")
  public HealthCheckSource layerkitRedisHealth(ObjectProvider<LayerkitRedis> redis) {
    return () -> {
      LayerkitRedis connections = redis.getIfAvailable();
      return connections == null ? List.of() : List.of(connections.healthCheck());
    };
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnBean(RedisClient.class)
  static class FromRedisClient {
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    LayerkitRedis layerkitRedis(RedisClient client) {
      return LayerkitRedis.connectInBackground(client, "the application's RedisClient");
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(LettuceConnectionFactory.class)
  @ConditionalOnBean(LettuceConnectionFactory.class)
  static class FromConnectionFactory {
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    LayerkitRedis layerkitRedis(LettuceConnectionFactory factory) {
      if (!factory.isRunning()) {
        factory.start();
      }
      AbstractRedisClient client = factory.getNativeClient();
      if (!(client instanceof RedisClient standalone)) {
        throw new InvalidConfigurationPropertyValueException("spring.data.redis.cluster.nodes",
            String.valueOf(client), "Layerkit's starter connects to standalone Redis only; define a"
                + " LayerkitRedis bean or set layerkit.redis.url");
      }
      return LayerkitRedis.connectInBackground(standalone, factory.getHostName() + ":" + factory.getPort());
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(prefix = "layerkit.redis", name = "url")
  static class FromUrl {
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    LayerkitRedis layerkitRedis(LayerkitProperties properties) {
      String url = properties.getRedis().getUrl();
      try {
        return LayerkitRedis.connectInBackground(url == null ? "" : url);
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigurationPropertyValueException("layerkit.redis.url", url,
            "not a Redis URI (" + e.getMessage() + "); use redis://host:port");
      }
    }
  }
}
