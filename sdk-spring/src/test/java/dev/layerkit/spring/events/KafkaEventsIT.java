package dev.layerkit.spring.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.events.Event;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.Subscription;
import dev.layerkit.test.servers.TestKafka;
import dev.layerkit.test.servers.TestServers;
import dev.layerkit.events.kafka.KafkaTopics;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Events on the in-JVM Kafka broker, configured from Spring Boot's {@code spring.kafka.*}: what the
 * publisher bean sends, the annotated handler receives.
 */
class KafkaEventsIT {

  private static final TestKafka KAFKA = TestServers.kafka();

  /** The test's payload. */
  public record Shipment(String id, int parcels) {}

  static class Handler {
    final BlockingQueue<Event<Shipment>> received = new LinkedBlockingQueue<>();

    @LayerkitSubscriber(topic = "${test.topic}", group = "shipping")
    void ship(Event<Shipment> event) {
      received.add(event);
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class HandlerConfiguration {
    @Bean
    Handler handler() {
      return new Handler();
    }
  }

  private ApplicationContextRunner runner(String topic) throws Exception {
    try (Admin admin = Admin.create(Map.<String, Object>of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
      KafkaTopics.create(admin, topic, 2, (short) 1, Map.of(), Duration.ofSeconds(60));
    }
    return new ApplicationContextRunner()
        .withUserConfiguration(HandlerConfiguration.class)
        .withPropertyValues(
            "spring.kafka.bootstrap-servers=" + KAFKA.bootstrapServers(),
            "spring.kafka.producer.compression-type=gzip",
            "test.topic=" + topic);
  }

  private static void publishAndReceive(org.springframework.context.ApplicationContext context, String topic)
      throws Exception {
    LayerkitEvents events = context.getBean(LayerkitEvents.class);
    assertThat(events.backend()).isEqualTo("kafka");
    for (Subscription subscription : context.getBean(LayerkitSubscriberProcessor.class).subscriptions()) {
      subscription.awaitAssignment(Duration.ofSeconds(60));
    }
    @SuppressWarnings("unchecked")
    EventPublisher<Object> publisher = context.getBean(EventPublisher.class);
    publisher.publish(topic, "s-1", new Shipment("s-1", 3)).get(60, TimeUnit.SECONDS);

    Event<Shipment> event = context.getBean(Handler.class).received.poll(60, TimeUnit.SECONDS);
    assertThat(event).as("the handler received the event").isNotNull();
    assertThat(event.payload()).isEqualTo(new Shipment("s-1", 3));
    assertThat(event.key()).isEqualTo("s-1");
    assertThat(event.topic()).isEqualTo(topic);
    assertThat(events.healthChecks()).extracting(HealthCheck::name)
        .contains("events-kafka-publisher-0", "events-kafka-subscriber-1");
  }

  @Test
  void fromSpringKafkaPropertiesBoundByTheStarterThePublishedEventReachesTheAnnotatedHandler() throws Exception {
    String topic = KAFKA.newTopicName("starter-bound");
    runner(topic).withConfiguration(AutoConfigurations.of(EventsAutoConfiguration.class))
        .run(context -> {
          assertThat(context).hasNotFailed().doesNotHaveBean(
              org.springframework.boot.kafka.autoconfigure.KafkaProperties.class);
          publishAndReceive(context, topic);
        });
  }

  @Test
  void fromSpringBootsKafkaPropertiesBeanThePublishedEventReachesTheAnnotatedHandler() throws Exception {
    String topic = KAFKA.newTopicName("starter-boot");
    runner(topic).withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, EventsAutoConfiguration.class))
        .run(context -> {
          assertThat(context).hasNotFailed().hasSingleBean(
              org.springframework.boot.kafka.autoconfigure.KafkaProperties.class);
          publishAndReceive(context, topic);
        });
  }
}
