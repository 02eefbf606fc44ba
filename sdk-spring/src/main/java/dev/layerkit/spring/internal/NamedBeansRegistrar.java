package dev.layerkit.spring.internal;

import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers one lazy bean per name configured under a property map ({@code layerkit.services},
 * {@code layerkit.repositories}, ...), unless the application defines a bean of that name. Each
 * bean is marked with an attribute, so its auto-configuration can tell its own beans from the
 * application's, and is taken from a registry bean when first used, so an application's own
 * registry need not know the configured names.
 *
 * @param <T> the beans' type
 */
public abstract class NamedBeansRegistrar<T> implements ImportBeanDefinitionRegistrar, EnvironmentAware {

  private final String property;
  private final Class<?> valueType;
  private final Class<T> beanType;
  private final String generatedAttribute;
  private final UnaryOperator<String> beanName;
  private final BiFunction<BeanFactory, String, T> bean;
  private @Nullable Environment environment;

  /**
   * Creates a registrar.
   *
   * @param property the property map whose keys are the names
   * @param valueType the type the map's values bind to
   * @param beanType the beans' type
   * @param generatedAttribute the bean definition attribute that marks a bean made here
   * @param beanName the bean name of a name
   * @param bean takes a name's bean from the bean factory (its registry)
   */
  protected NamedBeansRegistrar(String property, Class<?> valueType, Class<T> beanType,
      String generatedAttribute, UnaryOperator<String> beanName, BiFunction<BeanFactory, String, T> bean) {
    this.property = property;
    this.valueType = valueType;
    this.beanType = beanType;
    this.generatedAttribute = generatedAttribute;
    this.beanName = beanName;
    this.bean = bean;
  }

  @Override
  public void setEnvironment(Environment environment) {
    this.environment = environment;
  }

  @Override
  public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
    if (environment == null || !(registry instanceof BeanFactory beanFactory)) {
      return;
    }
    Map<String, ?> configured;
    try {
      configured = Binder.get(environment).bind(property, Bindable.mapOf(String.class, valueType))
          .orElse(Map.of());
    } catch (RuntimeException e) {
      return; // the properties' own binding reports it, with the property
    }
    for (String name : configured.keySet()) {
      String definitionName = beanName.apply(name);
      if (registry.containsBeanDefinition(definitionName)) {
        continue;
      }
      RootBeanDefinition definition = new RootBeanDefinition(beanType, () -> bean.apply(beanFactory, name));
      definition.setAttribute(generatedAttribute, Boolean.TRUE);
      definition.setLazyInit(true);
      definition.setRole(BeanDefinition.ROLE_APPLICATION);
      registry.registerBeanDefinition(definitionName, definition);
    }
  }
}
