package dev.layerkit.core.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ResiliencePolicyMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stopScheduler() {
    scheduler.shutdownNow();
  }

  @Test
  void publishesLayerkitNamedMetersTaggedWithThePolicyName() throws Exception {
    ResiliencePolicy policy = ResiliencePolicy.builder("orders")
        .maxAttempts(2)
        .sleeper(duration -> { })
        .withCircuitBreaker()
        .maxConcurrentCalls(4)
        .timeout(Duration.ofSeconds(10))
        .scheduler(scheduler)
        .meterRegistry(registry)
        .build();

    policy.executeAsync(() -> CompletableFuture.completedFuture("ok")).toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertThat(registry.get("layerkit.resilience.retry.calls")
        .tags("name", "orders", "kind", "successful_without_retry").functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("layerkit.resilience.circuitbreaker.calls")
        .tags("name", "orders", "kind", "successful").timer().count()).isEqualTo(1);
    assertThat(registry.get("layerkit.resilience.circuitbreaker.state")
        .tags("name", "orders", "state", "closed").gauge().value()).isEqualTo(1);
    assertThat(registry.get("layerkit.resilience.circuitbreaker.not.permitted.calls")
        .tag("name", "orders").meters()).isNotEmpty();
    assertThat(registry.get("layerkit.resilience.bulkhead.max.allowed.concurrent.calls")
        .tag("name", "orders").gauge().value()).isEqualTo(4);
    assertThat(registry.get("layerkit.resilience.bulkhead.available.concurrent.calls")
        .tag("name", "orders").gauge().value()).isEqualTo(4);
    assertThat(registry.get("layerkit.resilience.timelimiter.calls")
        .tags("name", "orders", "kind", "successful").counter().count()).isEqualTo(1);
    assertThat(registry.getMeters())
        .extracting(meter -> meter.getId().getName())
        .allMatch(name -> name.startsWith("layerkit.resilience."));
  }

  @Test
  void countsRetriedFailuresAndBreakerFailures() {
    ResiliencePolicy policy = ResiliencePolicy.builder("orders")
        .maxAttempts(3)
        .sleeper(duration -> { })
        .withCircuitBreaker()
        .meterRegistry(registry)
        .build();

    assertThatThrownBy(() -> policy.execute(() -> {
      throw new IllegalStateException("down");
    })).isInstanceOf(IllegalStateException.class);

    assertThat(registry.get("layerkit.resilience.retry.calls")
        .tags("name", "orders", "kind", "failed_with_retry").functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("layerkit.resilience.circuitbreaker.calls")
        .tags("name", "orders", "kind", "failed").timer().count()).isEqualTo(3);
  }

  @Test
  void registersOnlyTheMetersOfEnabledComponents() {
    ResiliencePolicy.builder("orders").maxAttempts(2).meterRegistry(registry).build();

    assertThat(registry.getMeters())
        .extracting(Meter::getId)
        .allSatisfy(id -> {
          assertThat(id.getName()).startsWith("layerkit.resilience.retry.");
          assertThat(id.getTag("name")).isEqualTo("orders");
        })
        .isNotEmpty();
  }
}
