package dev.layerkit.spring.cache;

import dev.layerkit.cache.CacheAside;
import dev.layerkit.spring.LayerkitProperties;
import dev.layerkit.spring.LayerkitProperties.Backend;
import dev.layerkit.spring.redis.LayerkitRedis;
import dev.layerkit.spring.redis.LayerkitRedisAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.cache.CacheManager;
import org.springframework.cache.interceptor.CacheAspectSupport;
import org.springframework.context.annotation.Bean;

/**
 * The {@link LayerkitCacheManager} when caching is enabled ({@code @EnableCaching}) and the
 * application defines no {@link CacheManager} of its own. Runs before Spring Boot's cache
 * auto-configuration, which then backs off. Off with {@code layerkit.cache.enabled=false}.
 */
@AutoConfiguration(after = LayerkitRedisAutoConfiguration.class,
    // Boot 4's name, and Boot 3.5's (sdk-spring-boot35-check runs the starter there).
    beforeName = {"org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration",
        "org.springframework.boot.autoconfigure.cache.CacheAutoConfiguration"})
@ConditionalOnClass({CacheAside.class, CacheManager.class})
@ConditionalOnBean(CacheAspectSupport.class)
@ConditionalOnProperty(prefix = "layerkit.cache", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(LayerkitProperties.class)
public class LayerkitCacheAutoConfiguration {

  /** Created by Spring. */
  public LayerkitCacheAutoConfiguration() {}

  /**
   * The cache manager.
   *
   * @param properties the settings
   * @param redis the Redis connections, if any
   * @param meters the meter registry, if any
   * @param observations the observation registry (Boot's, with Actuator), if any
   * @param beanFactory whose class loader reads cached values back
   * @return the manager
   */
  @Bean
  @ConditionalOnMissingBean(CacheManager.class)
  public LayerkitCacheManager cacheManager(LayerkitProperties properties, ObjectProvider<LayerkitRedis> redis,
      ObjectProvider<MeterRegistry> meters, ObjectProvider<ObservationRegistry> observations,
      ConfigurableListableBeanFactory beanFactory) {
    LayerkitProperties.Cache settings = properties.getCache();
    LayerkitRedis connections = redis.getIfAvailable();
    Backend backend = settings.getBackend();
    if ((backend == Backend.REDIS || backend == Backend.TIERED) && connections == null) {
      throw new InvalidConfigurationPropertyValueException("layerkit.cache.backend", backend,
          "no Redis is configured for Layerkit: add spring-boot-starter-data-redis (spring.data.redis.*),"
              + " define a Lettuce RedisClient bean, or set layerkit.redis.url; or choose MEMORY");
    }
    ClassLoader loader = beanFactory.getBeanClassLoader();
    return new LayerkitCacheManager(settings, connections, meters.getIfAvailable(), observations.getIfAvailable(),
        loader != null ? loader : LayerkitCacheAutoConfiguration.class.getClassLoader());
  }
}
