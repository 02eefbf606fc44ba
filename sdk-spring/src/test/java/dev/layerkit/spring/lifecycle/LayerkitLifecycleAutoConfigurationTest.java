package dev.layerkit.spring.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.infra.Lifecycle;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class LayerkitLifecycleAutoConfigurationTest {

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LayerkitLifecycleAutoConfiguration.class,
          ApplicationAvailabilityAutoConfiguration.class));

  @Test
  void layerkitLifecycleStartsWithTheContextAndDrainsWithReadinessAlreadyDown() {
    List<String> events = new CopyOnWriteArrayList<>();
    runner.withBean(Events.class, () -> new Events(events)).withUserConfiguration(Components.class).run(context -> {
      assertThat(context).hasSingleBean(LayerkitSmartLifecycle.class);
      assertThat(events).containsExactly("start");
      assertThat(context.getBean(LayerkitSmartLifecycle.class).isRunning()).isTrue();
      Lifecycle lifecycle = context.getBean(Lifecycle.class);
      context.close();
      assertThat(events).containsExactly("start", "drain with readiness REFUSING_TRAFFIC", "stop");
      assertThat(lifecycle.state()).isEqualTo(Lifecycle.State.STOPPED);
    });
  }

  @Test
  void withoutALifecycleBeanNothingIsAdded() {
    runner.run(context -> assertThat(context).doesNotHaveBean(LayerkitSmartLifecycle.class));
  }

  @Test
  void anApplicationSmartLifecycleBeanWins() {
    List<String> events = new CopyOnWriteArrayList<>();
    runner.withBean(Events.class, () -> new Events(events)).withUserConfiguration(Components.class)
        .withBean("ownSmartLifecycle", LayerkitSmartLifecycle.class,
            () -> new LayerkitSmartLifecycle(Lifecycle.builder().build(), event -> { }))
        .run(context -> {
          assertThat(context).hasSingleBean(LayerkitSmartLifecycle.class);
          assertThat(context).hasBean("ownSmartLifecycle").doesNotHaveBean("layerkitSmartLifecycle");
          assertThat(events).as("the application's own bean runs, not one over its Lifecycle").isEmpty();
        });
  }

  /** Holds the list (a List parameter would be Spring's collection of String beans). */
  record Events(List<String> list) {}

  @Configuration(proxyBeanMethods = false)
  static class Components {
    @Bean
    Lifecycle lifecycle(Events recorded, ApplicationAvailability availability) {
      List<String> events = recorded.list;
      Lifecycle lifecycle = Lifecycle.builder().preStopDelay(Duration.ZERO).build();
      lifecycle.register(Lifecycle.Component.of("publisher",
          () -> events.add("start"),
          () -> events.add("drain with readiness " + availability.getReadinessState()),
          () -> events.add("stop")));
      return lifecycle;
    }
  }
}
