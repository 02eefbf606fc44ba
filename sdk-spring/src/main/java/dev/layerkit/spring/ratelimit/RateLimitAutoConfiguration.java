package dev.layerkit.spring.ratelimit;

import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import dev.layerkit.gateway.ratelimit.RateLimiters;
import dev.layerkit.gateway.ratelimit.redis.RedisRateLimiter;
import dev.layerkit.spring.LayerkitProperties;
import dev.layerkit.spring.LayerkitProperties.Backend;
import dev.layerkit.spring.LayerkitProperties.LimitSpec;
import dev.layerkit.spring.LayerkitProperties.Limiter;
import dev.layerkit.spring.internal.NamedBeansRegistrar;
import dev.layerkit.spring.ratelimit.reactive.RateLimitWebFilter;
import dev.layerkit.spring.ratelimit.servlet.RateLimitServletFilter;
import dev.layerkit.spring.ratelimit.servlet.RateLimitedInterceptor;
import dev.layerkit.spring.redis.LayerkitRedis;
import dev.layerkit.spring.redis.LayerkitRedisAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Rate limiting from {@code layerkit.ratelimit.*}: a {@link RateLimiterRegistry} of the named
 * limiters, each also a {@code RateLimiter} bean named {@code <name>RateLimiter}; the servlet
 * filter (and {@link RateLimited} interceptor) in a servlet application, the WebFlux filter in a
 * reactive one.
 *
 * <p>A limiter is in Redis when its backend is {@code REDIS}, or {@code AUTO} with a
 * {@link LayerkitRedis} bean present; else in memory. Meters go to the application's
 * {@link MeterRegistry} when there is one. Backs off per bean: define {@code <name>RateLimiter}
 * to supply one limiter, or a {@code RateLimiterRegistry}, {@code RateLimitRules} or filter bean
 * to replace the starter's. Off with {@code layerkit.ratelimit.enabled=false}.
 */
@AutoConfiguration(after = LayerkitRedisAutoConfiguration.class)
@ConditionalOnClass(RateLimiter.class)
@ConditionalOnProperty(prefix = "layerkit.ratelimit", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(LayerkitProperties.class)
@Import(RateLimitAutoConfiguration.LimiterBeans.class)
public class RateLimitAutoConfiguration {

  /** The bean definition attribute that marks a limiter bean made by the starter. */
  static final String GENERATED = RateLimitAutoConfiguration.class.getName() + ".generated";

  /** Created by Spring. */
  public RateLimitAutoConfiguration() {}

  /**
   * Returns the bean name of the limiter named {@code name}.
   *
   * @param name the limiter's name
   * @return {@code <name>RateLimiter}
   */
  public static String beanName(String name) {
    return name + "RateLimiter";
  }

  /**
   * The registry of the named limiters.
   *
   * @param properties the settings
   * @param redis the Redis connections, if any
   * @param meters the meter registry, if any
   * @param beanFactory where the application's own limiter beans are
   * @return the registry
   */
  @Bean
  @ConditionalOnMissingBean
  public RateLimiterRegistry layerkitRateLimiterRegistry(LayerkitProperties properties,
      ObjectProvider<LayerkitRedis> redis, ObjectProvider<MeterRegistry> meters,
      ConfigurableListableBeanFactory beanFactory) {
    LayerkitProperties.RateLimit settings = properties.getRatelimit();
    Map<String, RateLimiter> limiters = new LinkedHashMap<>();
    Set<String> nonBlocking = new HashSet<>();
    for (Map.Entry<String, Limiter> entry : settings.getLimiters().entrySet()) {
      String name = entry.getKey();
      String bean = beanName(name);
      if (beanFactory.containsBeanDefinition(bean)
          && beanFactory.getBeanDefinition(bean).getAttribute(GENERATED) == null) {
        limiters.put(name, beanFactory.getBean(bean, RateLimiter.class));
        continue;
      }
      Limiter limiter = entry.getValue();
      RateLimitPolicy.Builder policy = RateLimitPolicy.builder();
      for (LimitSpec spec : limiter.getLimits()) {
        policy.limit(spec.toLimit());
      }
      Backend backend = limiter.getBackend() != null ? limiter.getBackend() : settings.getBackend();
      LayerkitRedis connections = redis.getIfAvailable();
      MeterRegistry registry = meters.getIfAvailable();
      if (backend == Backend.REDIS && connections == null) {
        String property = limiter.getBackend() != null
            ? "layerkit.ratelimit.limiters." + name + ".backend" : "layerkit.ratelimit.backend";
        throw new InvalidConfigurationPropertyValueException(property, backend, NO_REDIS);
      }
      if (backend != Backend.MEMORY && connections != null) {
        RedisRateLimiter.Builder builder = RateLimiters.redis(policy.build(), connections.connection())
            .name(name)
            .timeout(settings.getRedisTimeout())
            .failMode(limiter.getFailMode() != null ? limiter.getFailMode() : settings.getFailMode());
        if (limiter.getKeyPrefix() != null) {
          builder.keyPrefix(limiter.getKeyPrefix());
        }
        if (registry != null) {
          builder.meterRegistry(registry);
        }
        limiters.put(name, builder.build());
        nonBlocking.add(name); // its tryAcquireAsync answers through Lettuce's async API
      } else {
        var builder = RateLimiters.inMemory(policy.build()).name(name);
        if (registry != null) {
          builder.meterRegistry(registry);
        }
        limiters.put(name, builder.build());
        nonBlocking.add(name);
      }
    }
    return new RateLimiterRegistry(limiters, nonBlocking);
  }

  static final String NO_REDIS = "no Redis is configured for Layerkit: add spring-boot-starter-data-redis"
      + " (spring.data.redis.*), define a Lettuce RedisClient bean, or set layerkit.redis.url;"
      + " or choose MEMORY";

  /**
   * The compiled request rules.
   *
   * @param properties the settings
   * @param registry the limiters
   * @return the rules
   */
  @Bean
  @ConditionalOnMissingBean
  public RateLimitRules layerkitRateLimitRules(LayerkitProperties properties, RateLimiterRegistry registry) {
    return RateLimitRules.of(properties.getRatelimit().getWeb(), registry);
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnClass({FilterRegistrationBean.class, WebMvcConfigurer.class})
  @ConditionalOnProperty(prefix = "layerkit.ratelimit.web", name = "enabled", matchIfMissing = true)
  static class ServletFilterConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "layerkitRateLimitFilter")
    FilterRegistrationBean<RateLimitServletFilter> layerkitRateLimitFilter(RateLimitRules rules,
        LayerkitProperties properties) {
      FilterRegistrationBean<RateLimitServletFilter> registration =
          new FilterRegistrationBean<>(new RateLimitServletFilter(rules));
      registration.setName("layerkitRateLimitFilter");
      registration.setOrder(properties.getRatelimit().getWeb().getOrder());
      return registration;
    }

    @Bean
    @ConditionalOnMissingBean(name = "layerkitRateLimitedConfigurer")
    WebMvcConfigurer layerkitRateLimitedConfigurer(RateLimiterRegistry registry, RateLimitRules rules) {
      RateLimitedInterceptor interceptor = new RateLimitedInterceptor(registry, rules);
      return new WebMvcConfigurer() {
        @Override
        public void addInterceptors(InterceptorRegistry interceptors) {
          interceptors.addInterceptor(interceptor);
        }
      };
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
  @ConditionalOnClass(RequestMappingHandlerMapping.class)
  @ConditionalOnProperty(prefix = "layerkit.ratelimit.web", name = "enabled", matchIfMissing = true)
  static class ReactiveFilterConfiguration {

    @Bean
    @ConditionalOnMissingBean
    RateLimitWebFilter layerkitRateLimitWebFilter(RateLimitRules rules, RateLimiterRegistry registry,
        LayerkitProperties properties, ListableBeanFactory beanFactory) {
      RequestMappingHandlerMapping mapping = beanFactory.containsBean("requestMappingHandlerMapping")
          ? beanFactory.getBean("requestMappingHandlerMapping", RequestMappingHandlerMapping.class) : null;
      return new RateLimitWebFilter(rules, registry, mapping, properties.getRatelimit().getWeb().getOrder());
    }
  }

  /**
   * Registers a {@code RateLimiter} bean {@code <name>RateLimiter} per configured limiter, unless
   * the application defines that bean; each is the registry's limiter.
   */
  static class LimiterBeans extends NamedBeansRegistrar<RateLimiter> {

    LimiterBeans() {
      super("layerkit.ratelimit.limiters", Limiter.class, RateLimiter.class, GENERATED,
          RateLimitAutoConfiguration::beanName,
          (beanFactory, name) -> beanFactory.getBean(RateLimiterRegistry.class).get(name));
    }
  }
}
