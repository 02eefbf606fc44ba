package dev.layerkit.spring.idempotency;

import dev.layerkit.service.idempotency.Idempotency;
import dev.layerkit.service.idempotency.IdempotencyKeyStore;
import dev.layerkit.service.idempotency.IdempotencyKeyStores;
import dev.layerkit.spring.LayerkitProperties;
import dev.layerkit.spring.LayerkitProperties.Backend;
import dev.layerkit.spring.redis.LayerkitRedis;
import dev.layerkit.spring.redis.LayerkitRedisAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The {@code Idempotency-Key} filter of a servlet application, when {@code layerkit.idempotency.paths}
 * names at least one path pattern: an {@link Idempotency} on Redis when a {@link LayerkitRedis} is
 * there (or {@code backend=redis}), else in memory, and an {@link IdempotencyFilter} registered
 * before the rate-limit filter's default order. Backs off to an application's
 * {@code Idempotency} bean or a filter bean named {@code layerkitIdempotencyFilter}.
 */
@AutoConfiguration(after = LayerkitRedisAutoConfiguration.class)
@ConditionalOnClass({Idempotency.class, FilterRegistrationBean.class})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@Conditional(IdempotencyAutoConfiguration.PathsConfigured.class)
@EnableConfigurationProperties(LayerkitProperties.class)
public class IdempotencyAutoConfiguration {

  /** Created by Spring. */
  public IdempotencyAutoConfiguration() {}

  /**
   * The block.
   *
   * @param properties the settings
   * @param redis the Redis connections, if any
   * @param meters the meter registry, if any
   * @param observations the observation registry (Boot's, with Actuator), if any
   * @return the block
   */
  @Bean
  @ConditionalOnMissingBean
  public Idempotency layerkitIdempotency(LayerkitProperties properties, ObjectProvider<LayerkitRedis> redis,
      ObjectProvider<MeterRegistry> meters, ObjectProvider<ObservationRegistry> observations) {
    LayerkitProperties.IdempotencySettings settings = properties.getIdempotency();
    LayerkitRedis connections = redis.getIfAvailable();
    Backend backend = settings.getBackend();
    if (backend == Backend.REDIS && connections == null) {
      throw new InvalidConfigurationPropertyValueException("layerkit.idempotency.backend", backend,
          "no Redis is configured for Layerkit: add spring-boot-starter-data-redis (spring.data.redis.*),"
              + " define a Lettuce RedisClient bean, or set layerkit.redis.url; or choose MEMORY");
    }
    IdempotencyKeyStore store = backend != Backend.MEMORY && connections != null
        ? IdempotencyKeyStores.redis(connections.connection()).name(settings.getName()).build()
        : IdempotencyKeyStores.inMemory().name(settings.getName()).build();
    Idempotency.Builder builder = Idempotency.builder(store).name(settings.getName()).ttl(settings.getTtl());
    MeterRegistry registry = meters.getIfAvailable();
    if (registry != null) {
      builder.meterRegistry(registry);
    }
    ObservationRegistry observationRegistry = observations.getIfAvailable();
    if (observationRegistry != null) {
      builder.observationRegistry(observationRegistry);
    }
    return builder.build();
  }

  /**
   * The filter.
   *
   * @param idempotency the block
   * @param properties the settings
   * @return the registration
   */
  @Bean
  @ConditionalOnMissingBean(name = "layerkitIdempotencyFilter")
  public FilterRegistrationBean<IdempotencyFilter> layerkitIdempotencyFilter(Idempotency idempotency,
      LayerkitProperties properties) {
    LayerkitProperties.IdempotencySettings settings = properties.getIdempotency();
    FilterRegistrationBean<IdempotencyFilter> registration = new FilterRegistrationBean<>(new IdempotencyFilter(
        idempotency, settings.getPaths(), settings.getMethods(), settings.getHeader(), settings.isRequired(),
        settings.getMaxBodyBytes()));
    registration.setName("layerkitIdempotencyFilter");
    registration.setOrder(settings.getOrder());
    return registration;
  }

  /** Matches when {@code layerkit.idempotency.paths} has at least one entry, in any list form. */
  static class PathsConfigured extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
      List<String> paths = Binder.get(context.getEnvironment())
          .bind("layerkit.idempotency.paths", Bindable.listOf(String.class)).orElse(List.of());
      return paths.isEmpty()
          ? ConditionOutcome.noMatch("no layerkit.idempotency.paths")
          : ConditionOutcome.match("layerkit.idempotency.paths " + paths);
    }
  }
}
