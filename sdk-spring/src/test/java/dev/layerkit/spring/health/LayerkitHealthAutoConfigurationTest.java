package dev.layerkit.spring.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.spring.ratelimit.RateLimitAutoConfiguration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.AvailabilityProbesAutoConfiguration;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.IndicatedHealthDescriptor;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class LayerkitHealthAutoConfigurationTest {

  static final AtomicReference<Health> PAYMENTS = new AtomicReference<>(Health.up().build());

  private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LayerkitHealthAutoConfiguration.class,
          ApplicationAvailabilityAutoConfiguration.class,
          RateLimitAutoConfiguration.class, HealthContributorAutoConfiguration.class,
          HealthContributorRegistryAutoConfiguration.class,
          HealthEndpointAutoConfiguration.class, AvailabilityProbesAutoConfiguration.class))
      .withPropertyValues("management.endpoint.health.probes.enabled=true",
          "management.endpoint.health.show-details=always")
      .withUserConfiguration(Checks.class);

  @Test
  void layerkitChecksAreActuatorIndicatorsAndADownOneTakesReadinessDown() {
    runner.run(context -> {
      AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
      AvailabilityChangeEvent.publish(context, LivenessState.CORRECT);
      HealthEndpoint endpoint = context.getBean(HealthEndpoint.class);
      PAYMENTS.set(Health.up().build());
      assertThat(endpoint.healthForPath("layerkit", "payments").getStatus()).isEqualTo(Status.UP);
      assertThat(endpoint.healthForPath("readiness").getStatus()).isEqualTo(Status.UP);

      PAYMENTS.set(Health.down("gateway unreachable").build());
      IndicatedHealthDescriptor payments = (IndicatedHealthDescriptor) endpoint.healthForPath("layerkit", "payments");
      assertThat(payments.getStatus()).isEqualTo(Status.DOWN);
      assertThat(payments.getDetails()).containsEntry("reason", "gateway unreachable");
      assertThat(endpoint.healthForPath("readiness").getStatus()).isEqualTo(Status.DOWN);
      assertThat(endpoint.healthForPath("liveness").getStatus()).isEqualTo(Status.UP);
    });
  }

  @Test
  void degradedIsUpWithTheReasonAndKeepsReadinessUp() {
    runner.run(context -> {
      PAYMENTS.set(Health.degraded("slow").build());
      AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
      AvailabilityChangeEvent.publish(context, LivenessState.CORRECT);
      HealthEndpoint endpoint = context.getBean(HealthEndpoint.class);
      IndicatedHealthDescriptor payments = (IndicatedHealthDescriptor) endpoint.healthForPath("layerkit", "payments");
      assertThat(payments.getStatus()).isEqualTo(Status.UP);
      assertThat(payments.getDetails()).containsEntry("degraded", true).containsEntry("reason", "slow");
      assertThat(endpoint.healthForPath("readiness").getStatus()).isEqualTo(Status.UP);
    });
  }

  @Test
  void applicationContributorsOfTheNamesWin() {
    LayerkitHealthContributor own = new LayerkitHealthContributor(java.util.List::of, name -> true);
    LayerkitHealthContributor ownReadiness = new LayerkitHealthContributor(java.util.List::of, name -> true);
    runner.withBean(LayerkitHealthAutoConfiguration.CONTRIBUTOR, LayerkitHealthContributor.class, () -> own)
        .withBean(LayerkitHealthAutoConfiguration.READINESS_CONTRIBUTOR, LayerkitHealthContributor.class,
            () -> ownReadiness)
        .run(context -> {
          assertThat(context.getBean(LayerkitHealthAutoConfiguration.CONTRIBUTOR)).isSameAs(own);
          assertThat(context.getBean(LayerkitHealthAutoConfiguration.READINESS_CONTRIBUTOR)).isSameAs(ownReadiness);
        });
  }

  @Test
  void readinessListLeavesOtherChecksOutOfReadiness() {
    runner.withPropertyValues("layerkit.health.readiness=something-else").run(context -> {
      PAYMENTS.set(Health.down("gone").build());
      AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
      AvailabilityChangeEvent.publish(context, LivenessState.CORRECT);
      HealthEndpoint endpoint = context.getBean(HealthEndpoint.class);
      assertThat(endpoint.healthForPath("readiness").getStatus()).isEqualTo(Status.UP);
      assertThat(endpoint.health().getStatus()).isEqualTo(Status.DOWN);
    });
  }

  @Test
  void disabledRegistersNothing() {
    runner.withPropertyValues("layerkit.health.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean("layerkit").doesNotHaveBean("layerkitReadiness"));
  }

  @Configuration(proxyBeanMethods = false)
  static class Checks {
    @Bean
    HealthCheck paymentsCheck() {
      return HealthCheck.of("payments", PAYMENTS::get);
    }
  }
}
