package dev.layerkit.spring.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.Event;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.EventSubscriber;
import dev.layerkit.spring.internal.LayerkitPropertiesFailureAnalyzer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Event beans and @LayerkitSubscriber handlers on the in-memory bus; present, absent, backed off, errors. */
class EventsAutoConfigurationTest {

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(EventsAutoConfiguration.class));

  /** The test's payload. */
  public record OrderPlaced(String id, long cents) {}

  /** Handlers of both signatures; each puts what it got on a queue. */
  static class Handlers {
    final BlockingQueue<OrderPlaced> payloads = new LinkedBlockingQueue<>();
    final BlockingQueue<Event<OrderPlaced>> events = new LinkedBlockingQueue<>();
    final BlockingQueue<List<String>> lists = new LinkedBlockingQueue<>();

    @LayerkitSubscriber(topic = "orders", group = "billing")
    void charge(OrderPlaced order) {
      payloads.add(order);
    }

    @LayerkitSubscriber(topic = "${test.topic:orders}", group = "audit")
    void audit(Event<OrderPlaced> event) {
      events.add(event);
    }

    @LayerkitSubscriber(topic = "tags", group = "tagger")
    void tags(List<String> tags) {
      lists.add(tags);
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class HandlerConfiguration {
    @Bean
    Handlers handlers() {
      return new Handlers();
    }
  }

  @Test
  void byDefaultEventsAreInMemoryAndAnnotatedMethodsReceiveWhatThePublisherBeanSends() {
    runner.withUserConfiguration(HandlerConfiguration.class).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context.getBean(LayerkitEvents.class).backend()).isEqualTo("memory");
      @SuppressWarnings("unchecked")
      EventPublisher<Object> publisher = context.getBean("layerkitEventPublisher", EventPublisher.class);
      publisher.publish("orders", "o-1", new OrderPlaced("o-1", 990), Map.of("source", "test")).join();
      publisher.publish("tags", "t", List.of("a", "b")).join();

      Handlers handlers = context.getBean(Handlers.class);
      assertThat(handlers.payloads.poll(30, TimeUnit.SECONDS)).isEqualTo(new OrderPlaced("o-1", 990));
      Event<OrderPlaced> event = handlers.events.poll(30, TimeUnit.SECONDS);
      assertThat(event).isNotNull();
      assertThat(event.payload()).isEqualTo(new OrderPlaced("o-1", 990));
      assertThat(event.key()).isEqualTo("o-1");
      assertThat(event.headers()).containsEntry("source", "test");
      assertThat(handlers.lists.poll(30, TimeUnit.SECONDS)).containsExactly("a", "b");
      assertThat(context.getBean(LayerkitSubscriberProcessor.class).subscriptions()).hasSize(3);
    });
  }

  @Test
  void theSubscriberBeanHandsOverThePublishedBytes() {
    runner.run(context -> {
      @SuppressWarnings("unchecked")
      EventSubscriber<byte[]> subscriber = context.getBean(EventSubscriber.class);
      BlockingQueue<String> received = new LinkedBlockingQueue<>();
      subscriber.subscribe("raw", "g", event -> received.add(new String(event.payload(), StandardCharsets.UTF_8)));
      context.getBean(LayerkitEvents.class).publisher(Codecs.utf8()).publish("raw", "k", "hello").join();
      assertThat(received.poll(30, TimeUnit.SECONDS)).isEqualTo("hello");
    });
  }

  @Test
  void closingTheContextStopsTheSubscriptions() {
    runner.withUserConfiguration(HandlerConfiguration.class).run(context -> {
      LayerkitSubscriberProcessor processor = context.getBean(LayerkitSubscriberProcessor.class);
      assertThat(processor.isRunning()).isTrue();
      context.stop();
      assertThat(processor.isRunning()).isFalse();
      assertThat(processor.subscriptions()).isEmpty();
    });
  }

  @Test
  void aHandlerWithAWrongSignatureFailsTheStartNamingTheMethod() {
    runner.withUserConfiguration(BadHandlerConfiguration.class).run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).rootCause()
          .hasMessageContaining("@LayerkitSubscriber method " + BadHandler.class.getName() + ".twoArguments")
          .hasMessageContaining("must take one parameter");
    });
  }

  @Test
  void applicationBeansWin() {
    runner.withUserConfiguration(OwnEvents.class).run(context -> {
      assertThat(context.getBean(LayerkitEvents.class)).isSameAs(context.getBean(OwnEvents.class).events);
      assertThat(context.getBean(EventPublisher.class)).isSameAs(context.getBean(OwnEvents.class).publisher);
    });
  }

  @Test
  void disabledMakesNoEventBeans() {
    runner.withPropertyValues("layerkit.events.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(LayerkitEvents.class).doesNotHaveBean(EventPublisher.class));
  }

  @Test
  void withoutTheEventsModuleTheConfigurationIsOff() {
    runner.withClassLoader(new FilteredClassLoader(EventPublisher.class))
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(LayerkitEvents.class));
  }

  @Test
  void kafkaWithoutKafkaOnTheClassPathFailsNamingTheProperty() {
    runner.withClassLoader(new FilteredClassLoader("org.apache.kafka"))
        .withPropertyValues("layerkit.events.backend=kafka")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause()
              .hasMessageContaining("layerkit.events.backend")
              .hasMessageContaining("kafka-clients");
        });
  }

  @Test
  void autoStaysInMemoryWithoutKafkaBootstrapServers() {
    runner.run(context -> assertThat(context.getBean(LayerkitEvents.class).backend()).isEqualTo("memory"));
  }

  @Test
  void badMemorySettingsAreReportedWithTheirProperties() {
    runner.withPropertyValues("layerkit.events.memory.partitions=0", "layerkit.events.memory.retention=-5")
        .run(context -> {
          assertThat(context).hasFailed();
          String description = new LayerkitPropertiesFailureAnalyzer().analyze(context.getStartupFailure())
              .getDescription();
          assertThat(description)
              .contains("layerkit.events.memory.partitions = 0: must be at least 1 but was 0")
              .contains("layerkit.events.memory.retention = -5: must be at least 1 but was -5");
        });
  }

  static class BadHandler {
    @LayerkitSubscriber(topic = "orders", group = "g")
    void twoArguments(OrderPlaced order, String extra) {}
  }

  @Configuration(proxyBeanMethods = false)
  static class BadHandlerConfiguration {
    @Bean
    BadHandler badHandler() {
      return new BadHandler();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnEvents {
    final LayerkitEvents events = new InMemoryLayerkitEvents(dev.layerkit.events.EventBuses.inMemory().build());
    final EventPublisher<Object> publisher = events.publisher(Codecs.json(Object.class));

    @Bean
    LayerkitEvents ownEvents() {
      return events;
    }

    @Bean
    EventPublisher<Object> ownPublisher() {
      return publisher;
    }
  }
}
