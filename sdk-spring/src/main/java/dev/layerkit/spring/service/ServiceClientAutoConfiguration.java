package dev.layerkit.spring.service;

import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.service.ServiceClient;
import dev.layerkit.service.ServiceClientBuilder;
import dev.layerkit.spring.LayerkitProperties;
import dev.layerkit.spring.internal.NamedBeansRegistrar;
import dev.layerkit.spring.internal.PropertiesValidation;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * A {@link ServiceClient} per {@code layerkit.services.<name>}, on static endpoints or DNS, with
 * meters on the application's registry; each is also a bean named {@code <name>ServiceClient}
 * unless the application defines that bean, which then replaces it. Needs
 * {@code layerkit-service} on the class path.
 */
@AutoConfiguration
@ConditionalOnClass(ServiceClient.class)
@EnableConfigurationProperties(LayerkitProperties.class)
@Import(ServiceClientAutoConfiguration.ClientBeans.class)
public class ServiceClientAutoConfiguration {

  static final String GENERATED = ServiceClientAutoConfiguration.class.getName() + ".generated";

  /** Created by Spring. */
  public ServiceClientAutoConfiguration() {}

  /**
   * Returns the bean name of a service's client.
   *
   * @param name the service's name
   * @return {@code <name>ServiceClient}
   */
  public static String beanName(String name) {
    return name + "ServiceClient";
  }

  /**
   * The clients.
   *
   * @param properties the settings
   * @param meters the meter registry, if any
   * @param observations the observation registry (Boot's, with Actuator), if any
   * @param beanFactory where the application's own client beans are
   * @return the registry
   */
  @Bean
  @ConditionalOnMissingBean
  public ServiceClients layerkitServiceClients(LayerkitProperties properties, ObjectProvider<MeterRegistry> meters,
      ObjectProvider<ObservationRegistry> observations, ConfigurableListableBeanFactory beanFactory) {
    Map<String, ServiceClient> clients = new LinkedHashMap<>();
    Set<String> owned = new HashSet<>();
    MeterRegistry registry = meters.getIfAvailable();
    ObservationRegistry observationRegistry = observations.getIfAvailable();
    for (Map.Entry<String, LayerkitProperties.Service> entry : properties.getServices().entrySet()) {
      String name = entry.getKey();
      String bean = beanName(name);
      if (beanFactory.containsBeanDefinition(bean)
          && beanFactory.getBeanDefinition(bean).getAttribute(GENERATED) == null) {
        clients.put(name, beanFactory.getBean(bean, ServiceClient.class));
        continue;
      }
      LayerkitProperties.Service service = entry.getValue();
      ServiceClientBuilder builder = ServiceClient.builder(name).endpointSource(source(service));
      if (service.getDeadline() != null) {
        builder.deadline(service.getDeadline());
      }
      if (service.getPerTryTimeout() != null) {
        builder.perTryTimeout(service.getPerTryTimeout());
      }
      if (service.getConnectTimeout() != null) {
        builder.connectTimeout(service.getConnectTimeout());
      }
      if (registry != null) {
        builder.meterRegistry(registry);
      }
      if (observationRegistry != null) {
        builder.observationRegistry(observationRegistry);
      }
      clients.put(name, builder.build());
      owned.add(name);
    }
    return new ServiceClients(clients, owned);
  }

  private static EndpointSource source(LayerkitProperties.Service service) {
    String dnsHost = service.getDnsHost();
    if (dnsHost != null && !dnsHost.isBlank()) {
      return EndpointSource.dns(dnsHost, service.getDnsPort()).build();
    }
    List<Endpoint> endpoints = new ArrayList<>();
    for (String text : service.getEndpoints()) {
      Map.Entry<String, Integer> hostPort = PropertiesValidation.hostPort(text);
      if (hostPort == null) {
        throw new IllegalArgumentException("endpoint must be host:port but was '" + text + "'");
      }
      endpoints.add(Endpoint.of(hostPort.getKey(), hostPort.getValue()));
    }
    return EndpointSource.of(endpoints);
  }

  /** Registers a lazy {@code <name>ServiceClient} bean per configured service not defined by the application. */
  static class ClientBeans extends NamedBeansRegistrar<ServiceClient> {

    ClientBeans() {
      super("layerkit.services", Object.class, ServiceClient.class, GENERATED,
          ServiceClientAutoConfiguration::beanName,
          (beanFactory, name) -> beanFactory.getBean(ServiceClients.class).get(name));
    }
  }
}
