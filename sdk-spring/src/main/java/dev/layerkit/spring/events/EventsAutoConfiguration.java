package dev.layerkit.spring.events;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.EventBuses;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.EventSubscriber;
import dev.layerkit.spring.LayerkitProperties;
import dev.layerkit.spring.LayerkitProperties.EventsBackend;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.util.Collection;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * Events from {@code layerkit.events.*}: the {@link LayerkitEvents} backend, an
 * {@code EventPublisher<Object>} bean ({@code layerkitEventPublisher}, payloads as JSON), an
 * {@code EventSubscriber<byte[]>} bean ({@code layerkitEventSubscriber}, payloads as published),
 * and the {@link LayerkitSubscriberProcessor} that runs {@link LayerkitSubscriber} methods.
 *
 * <p>The backend is Kafka when {@code layerkit.events.backend=KAFKA}, or {@code AUTO} (the default)
 * with {@code spring.kafka.bootstrap-servers} set and {@code kafka-clients} and
 * {@code spring-boot-kafka} on the class path; it is then configured from Spring Boot's
 * {@code KafkaProperties} (the bean when Spring Boot made one, else {@code spring.kafka.*} bound
 * here), so security, SSL and client settings are written once. Otherwise the in-memory bus
 * ({@code layerkit.events.memory.*}). Each bean backs off to the application's own. Off with
 * {@code layerkit.events.enabled=false}.
 */
@AutoConfiguration(afterName = "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration")
@ConditionalOnClass(EventPublisher.class)
@ConditionalOnProperty(prefix = "layerkit.events", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(LayerkitProperties.class)
public class EventsAutoConfiguration {

  private static final String KAFKA_PROPERTIES = "org.springframework.boot.kafka.autoconfigure.KafkaProperties";

  /** Created by Spring. */
  public EventsAutoConfiguration() {}

  /**
   * The event backend.
   *
   * @param properties the settings
   * @param environment where {@code spring.kafka.*} is read
   * @param meters the meter registry, if any
   * @param observations the observation registry (Boot's, with Actuator), if any
   * @param beanFactory where Spring Boot's {@code KafkaProperties} bean is, if any
   * @return the backend, closed at shutdown
   * @throws InvalidConfigurationPropertyValueException if Kafka is asked for and not on the class
   *     path
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public LayerkitEvents layerkitEvents(LayerkitProperties properties, Environment environment,
      ObjectProvider<MeterRegistry> meters, ObjectProvider<ObservationRegistry> observations,
      ConfigurableListableBeanFactory beanFactory) {
    EventsBackend backend = properties.getEvents().getBackend();
    ClassLoader loader = beanFactory.getBeanClassLoader();
    boolean kafkaPresent = ClassUtils.isPresent("org.apache.kafka.clients.producer.KafkaProducer", loader)
        && ClassUtils.isPresent(KAFKA_PROPERTIES, loader);
    if (backend == EventsBackend.KAFKA && !kafkaPresent) {
      throw new InvalidConfigurationPropertyValueException("layerkit.events.backend", backend,
          "Kafka needs org.apache.kafka:kafka-clients and org.springframework.boot:spring-boot-kafka on the class"
              + " path (spring-boot-starter-kafka brings both); or choose MEMORY");
    }
    MeterRegistry registry = meters.getIfAvailable();
    ObservationRegistry observationRegistry = observations.getIfAvailable();
    if (backend == EventsBackend.KAFKA
        || backend == EventsBackend.AUTO && kafkaPresent && environment.containsProperty("spring.kafka.bootstrap-servers")) {
      return KafkaBackend.create(beanFactory, environment, registry, observationRegistry);
    }
    LayerkitProperties.MemoryEvents memory = properties.getEvents().getMemory();
    EventBuses.InMemoryBuilder bus = EventBuses.inMemory()
        .partitions(memory.getPartitions())
        .retention(memory.getRetention());
    if (registry != null) {
      bus.meterRegistry(registry);
    }
    if (observationRegistry != null) {
      bus.observationRegistry(observationRegistry);
    }
    return new InMemoryLayerkitEvents(bus.build());
  }

  /**
   * A publisher of any payload, encoded as JSON by Layerkit's mapper.
   *
   * @param events the backend
   * @return the publisher
   */
  @Bean
  @ConditionalOnMissingBean(EventPublisher.class)
  public EventPublisher<Object> layerkitEventPublisher(LayerkitEvents events) {
    return events.publisher(Codecs.json(Object.class));
  }

  /**
   * A subscriber handing handlers the payload's bytes as published; {@link LayerkitSubscriber}
   * methods and {@link LayerkitEvents#subscriber} decode to a type.
   *
   * @param events the backend
   * @return the subscriber
   */
  @Bean
  @ConditionalOnMissingBean(EventSubscriber.class)
  public EventSubscriber<byte[]> layerkitEventSubscriber(LayerkitEvents events) {
    return events.subscriber(Codecs.bytes());
  }

  /**
   * Runs {@link LayerkitSubscriber} methods. Static, as a bean post-processor must be.
   *
   * @return the processor
   */
  @Bean
  @ConditionalOnMissingBean
  public static LayerkitSubscriberProcessor layerkitSubscriberProcessor() {
    return new LayerkitSubscriberProcessor();
  }

  /** Apart, so that the configuration loads without spring-boot-kafka. */
  private static final class KafkaBackend {
    static LayerkitEvents create(ListableBeanFactory beanFactory, Environment environment,
        @Nullable MeterRegistry meters, @Nullable ObservationRegistry observations) {
      KafkaProperties kafka = beanFactory.getBeanProvider(KafkaProperties.class).getIfAvailable(() ->
          Binder.get(environment).bind("spring.kafka", KafkaProperties.class).orElseGet(KafkaProperties::new));
      Map<String, Object> producer = kafka.buildProducerProperties();
      Map<String, Object> consumer = kafka.buildConsumerProperties();
      return new KafkaLayerkitEvents(servers(kafka.getBootstrapServers()), producer, consumer, meters, observations);
    }

    private static String servers(@Nullable Object value) {
      return value instanceof Collection<?> list ? String.join(",", list.stream().map(String::valueOf).toList())
          : String.valueOf(value);
    }
  }
}
