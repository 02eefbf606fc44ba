package dev.layerkit.spring.lifecycle;

import dev.layerkit.infra.Lifecycle;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;

/**
 * When the application defines a Layerkit {@link Lifecycle} bean, runs it in Spring's lifecycle
 * ({@link LayerkitSmartLifecycle}); do not also install its own shutdown hook. Backs off to an
 * application-defined {@code LayerkitSmartLifecycle}.
 */
@AutoConfiguration
@ConditionalOnClass(Lifecycle.class)
@ConditionalOnBean(Lifecycle.class)
public class LayerkitLifecycleAutoConfiguration {

  /** Created by Spring. */
  public LayerkitLifecycleAutoConfiguration() {}

  /**
   * The adapter.
   *
   * @param lifecycle the application's lifecycle
   * @param events the context, for the readiness event
   * @return the adapter
   */
  @Bean
  @ConditionalOnMissingBean
  public LayerkitSmartLifecycle layerkitSmartLifecycle(Lifecycle lifecycle, ApplicationEventPublisher events) {
    return new LayerkitSmartLifecycle(lifecycle, events);
  }
}
