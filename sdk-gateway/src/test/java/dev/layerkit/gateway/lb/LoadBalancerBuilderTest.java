package dev.layerkit.gateway.lb;

import static dev.layerkit.gateway.lb.TestEndpoints.endpoints;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bad input at the boundary: clear errors that name the setting and the value. */
class LoadBalancerBuilderTest {

  @Test
  void rejectsAnEmptyOrMissingEndpointList() {
    assertThatThrownBy(() -> LoadBalancers.roundRobin().endpoints(List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("endpoints must not be empty but was []");
    assertThatThrownBy(() -> EndpointSource.of(List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("endpoints must not be empty but was []");
    assertThatThrownBy(() -> LoadBalancers.roundRobin().endpoints(null))
        .isInstanceOf(NullPointerException.class).hasMessage("endpoints");
    assertThatThrownBy(() -> LoadBalancers.roundRobin().serviceName("orders").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("an endpointSource (or endpoints) is required for service 'orders'");
  }

  @Test
  void rejectsOutOfRangeValuesNamingThem() {
    LoadBalancerBuilder b = LoadBalancers.random();
    assertThatThrownBy(() -> b.serviceName(" ")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("serviceName must not be blank but was ' '");
    assertThatThrownBy(() -> b.panicThreshold(101)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("panicThreshold must be in [0, 100] but was 101.0");
    assertThatThrownBy(() -> b.panicThreshold(Double.NaN)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("panicThreshold must be in [0, 100] but was NaN");
    assertThatThrownBy(() -> b.slowStart(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("slowStart window must be >= 1ms but was PT0S");
    assertThatThrownBy(() -> b.slowStartMinWeightPercent(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("slowStartMinWeightPercent must be in [1, 100] but was 0");
    assertThatThrownBy(() -> b.timeSource(null)).isInstanceOf(NullPointerException.class).hasMessage("timeSource");
    assertThatThrownBy(() -> b.meterRegistry(null)).isInstanceOf(NullPointerException.class).hasMessage("registry");
  }

  @Test
  void rejectsRepeatedAndConflictingSettings() {
    assertThatThrownBy(() -> LoadBalancers.random().serviceName("a").serviceName("b"))
        .isInstanceOf(IllegalStateException.class).hasMessage("serviceName was already set to a");
    assertThatThrownBy(() -> LoadBalancers.random().endpoints(endpoints(1)).endpointSource(EndpointSource.mutable(List.of())))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("endpointSource was already set");
    assertThatThrownBy(() -> LoadBalancers.roundRobin().slowStart(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("slowStart does not apply to roundRobin");
    assertThatThrownBy(() -> LoadBalancers.consistentHash().slowStart(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("consistentHash");
    assertThatThrownBy(() -> LoadBalancers.leastRequest().latencyDecay(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("latencyDecay applies to peakEwma only, not leastRequest");
  }

  @Test
  void consistentHashNeedsAKey() {
    LoadBalancer lb = LoadBalancers.consistentHash().serviceName("carts").endpoints(endpoints(3)).build();

    assertThatThrownBy(lb::pick)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("consistentHash balancer of service 'carts' needs a RequestContext with a key "
            + "(RequestContext.ofKey) but got RequestContext.empty()");
    assertThatThrownBy(() -> lb.pick(null)).isInstanceOf(NullPointerException.class).hasMessage("context");
  }

  @Test
  void feedbackRejectsNegativeLatencyAndIgnoresUnknownEndpoints() {
    LoadBalancer lb = LoadBalancers.leastRequest().endpoints(endpoints(2)).build();
    Endpoint picked = lb.pick();

    assertThatThrownBy(() -> lb.onComplete(picked, -1, true))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("latencyNanos must be >= 0 but was -1");
    assertThatThrownBy(() -> lb.onComplete(null, 1, true)).isInstanceOf(NullPointerException.class).hasMessage("endpoint");
    lb.onComplete(Endpoint.of("elsewhere", 1), 1, true);
    lb.onCancel(Endpoint.of("elsewhere", 1));
    assertThatThrownBy(() -> lb.status(Endpoint.of("elsewhere", 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'elsewhere:1' is not in the set");
    assertThat(lb.status(picked).outstanding()).isEqualTo(1);
  }

  @Test
  void aClosedBalancerRefusesPicksAndUnsubscribes() {
    MutableEndpointSource source = EndpointSource.mutable(endpoints(2));
    LoadBalancer lb = LoadBalancers.roundRobin().serviceName("orders").endpointSource(source).build();

    lb.close();
    lb.close();
    source.update(endpoints(3));

    assertThatThrownBy(lb::pick).isInstanceOf(IllegalStateException.class)
        .hasMessage("load balancer for service 'orders' is closed");
    assertThat(lb.endpoints()).isEmpty();
  }

  @Test
  void outlierDetectionAndActiveCheckValidateTheirSettings() {
    assertThatThrownBy(() -> OutlierDetection.builder().consecutiveFailures(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("consecutiveFailures must be >= 0 but was -1");
    assertThatThrownBy(() -> OutlierDetection.builder().maxEjectionPercent(101))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxEjectionPercent must be in [0, 100] but was 101");
    assertThatThrownBy(() -> OutlierDetection.builder().failureRateThreshold(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("failureRateThreshold must be in (0, 100] but was 0.0");
    assertThatThrownBy(() -> OutlierDetection.builder().consecutiveFailures(0).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("both detectors are off");
    assertThatThrownBy(() -> OutlierDetection.builder().baseEjectionTime(Duration.ofMinutes(10)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maxEjectionTime must be >= baseEjectionTime PT10M but was PT5M");
    assertThatThrownBy(() -> OutlierDetection.builder().consecutiveFailures(3).consecutiveFailures(4))
        .isInstanceOf(IllegalStateException.class).hasMessage("consecutiveFailures was already set to 3");
    assertThatThrownBy(() -> ActiveHealthCheck.http("health"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'health'");
    assertThatThrownBy(() -> ActiveHealthCheck.tcp().unhealthyThreshold(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("unhealthyThreshold must be >= 1 but was 0");
    assertThatThrownBy(() -> ActiveHealthCheck.tcp().interval(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("interval must be >= 1ms but was PT-0.001S");
  }

  @Test
  void configsHaveDefaultsAndCopyThroughToBuilder() {
    OutlierDetection defaults = OutlierDetection.ofDefaults();
    assertThat(defaults.consecutiveFailures()).isEqualTo(OutlierDetection.DEFAULT_CONSECUTIVE_FAILURES);
    assertThat(defaults.maxEjectionPercent()).isEqualTo(10);
    OutlierDetection changed = defaults.toBuilder().consecutiveFailures(2).build();
    assertThat(changed.consecutiveFailures()).isEqualTo(2);
    assertThat(changed.baseEjectionTime()).isEqualTo(defaults.baseEjectionTime());
    ActiveHealthCheck check = ActiveHealthCheck.http("/h").build().toBuilder().timeout(Duration.ofMillis(300)).build();
    assertThat(check.path()).isEqualTo("/h");
    assertThat(check.timeout()).isEqualTo(Duration.ofMillis(300));
    assertThat(check.interval()).isEqualTo(ActiveHealthCheck.DEFAULT_INTERVAL);
  }

  @Test
  void everySettingGivenTwiceIsRefusedNamingIt() {
    java.util.Map<String, java.util.function.Consumer<LoadBalancerBuilder>> settings = new java.util.LinkedHashMap<>();
    settings.put("timeSource", b -> b.timeSource(new dev.layerkit.core.time.ManualTimeSource()));
    settings.put("meterRegistry", b -> b.meterRegistry(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()));
    settings.put("outlierDetection", b -> b.outlierDetection(OutlierDetection.ofDefaults()));
    settings.put("activeHealthCheck", b -> b.activeHealthCheck(ActiveHealthCheck.tcp().build()));
    settings.put("scheduler", b -> b.scheduler(dev.layerkit.gateway.lb.internal.SharedScheduler.get()));
    settings.put("slowStart", b -> b.slowStart(Duration.ofSeconds(1)));
    settings.put("slowStartMinWeightPercent", b -> b.slowStartMinWeightPercent(20));
    settings.put("panicThreshold", b -> b.panicThreshold(30));
    settings.put("latencyDecay", b -> b.latencyDecay(Duration.ofSeconds(1)));
    settings.put("writableStackTrace", b -> b.writableStackTrace(true));
    settings.forEach((name, setting) -> {
      LoadBalancerBuilder b = LoadBalancers.peakEwma();
      setting.accept(b);
      assertThatThrownBy(() -> setting.accept(b)).as(name)
          .isInstanceOf(IllegalStateException.class).hasMessageStartingWith(name + " was already set to ");
    });
  }

  @Test
  void acceptsTheBoundsOfEachRangeAndRejectsJustBeyond() {
    LoadBalancers.random().slowStartMinWeightPercent(1);
    LoadBalancers.random().slowStartMinWeightPercent(100);
    assertThatThrownBy(() -> LoadBalancers.random().slowStartMinWeightPercent(101))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("slowStartMinWeightPercent must be in [1, 100] but was 101");
    LoadBalancers.random().panicThreshold(0);
    LoadBalancers.random().panicThreshold(100);
    assertThatThrownBy(() -> LoadBalancers.random().panicThreshold(-0.5))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("panicThreshold must be in [0, 100] but was -0.5");
    LoadBalancers.random().slowStart(Duration.ofMillis(1));
    LoadBalancers.peakEwma().latencyDecay(Duration.ofMillis(1));
    assertThatThrownBy(() -> LoadBalancers.peakEwma().latencyDecay(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("latencyDecay must be >= 1ms but was PT0S");
  }

  @Test
  void everyOutlierAndHealthCheckSettingGivenTwiceIsRefusedNamingIt() {
    java.util.Map<String, java.util.function.Consumer<OutlierDetection.Builder>> outlier =
        new java.util.LinkedHashMap<>();
    outlier.put("consecutiveFailures", b -> b.consecutiveFailures(3));
    outlier.put("failureRateThreshold", b -> b.failureRateThreshold(50));
    outlier.put("failureRateWindow", b -> b.failureRateWindow(Duration.ofSeconds(5)));
    outlier.put("failureRateMinimumRequests", b -> b.failureRateMinimumRequests(10));
    outlier.put("baseEjectionTime", b -> b.baseEjectionTime(Duration.ofSeconds(5)));
    outlier.put("maxEjectionTime", b -> b.maxEjectionTime(Duration.ofSeconds(50)));
    outlier.put("maxEjectionPercent", b -> b.maxEjectionPercent(20));
    outlier.forEach((name, setting) -> {
      OutlierDetection.Builder b = OutlierDetection.builder();
      setting.accept(b);
      assertThatThrownBy(() -> setting.accept(b)).as(name)
          .isInstanceOf(IllegalStateException.class).hasMessageStartingWith(name + " was already set to ");
    });
    java.util.Map<String, java.util.function.Consumer<ActiveHealthCheck.Builder>> check =
        new java.util.LinkedHashMap<>();
    check.put("interval", b -> b.interval(Duration.ofSeconds(1)));
    check.put("timeout", b -> b.timeout(Duration.ofMillis(500)));
    check.put("unhealthyThreshold", b -> b.unhealthyThreshold(2));
    check.put("healthyThreshold", b -> b.healthyThreshold(2));
    check.forEach((name, setting) -> {
      ActiveHealthCheck.Builder b = ActiveHealthCheck.tcp();
      setting.accept(b);
      assertThatThrownBy(() -> setting.accept(b)).as(name)
          .isInstanceOf(IllegalStateException.class).hasMessageStartingWith(name + " was already set to ");
    });
  }

  @Test
  void outlierAndHealthCheckSettingsAcceptTheBoundsOfTheirRangesAndKeepThem() {
    OutlierDetection od = OutlierDetection.builder().consecutiveFailures(0).failureRateThreshold(100)
        .failureRateMinimumRequests(1).failureRateWindow(Duration.ofMillis(1)).maxEjectionPercent(100)
        .baseEjectionTime(Duration.ofSeconds(7)).maxEjectionTime(Duration.ofSeconds(7)).build();
    assertThat(od.consecutiveFailures()).isZero();
    assertThat(od.failureRateThreshold()).isEqualTo(100);
    assertThat(od.failureRateMinimumRequests()).isEqualTo(1);
    assertThat(od.failureRateWindow()).isEqualTo(Duration.ofMillis(1));
    assertThat(od.maxEjectionPercent()).isEqualTo(100);
    assertThat(od.maxEjectionTime()).as("equal to the base").isEqualTo(od.baseEjectionTime());
    assertThat(OutlierDetection.builder().maxEjectionPercent(0).build().maxEjectionPercent()).isZero();
    assertThatThrownBy(() -> OutlierDetection.builder().failureRateThreshold(100.5))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("failureRateThreshold must be in (0, 100] but was 100.5");
    assertThatThrownBy(() -> OutlierDetection.builder().failureRateMinimumRequests(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("failureRateMinimumRequests must be >= 1 but was 0");
    assertThatThrownBy(() -> OutlierDetection.builder().maxEjectionPercent(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxEjectionPercent must be in [0, 100] but was -1");
    ActiveHealthCheck check = ActiveHealthCheck.tcp().unhealthyThreshold(1).healthyThreshold(1).build();
    assertThat(check.unhealthyThreshold()).isEqualTo(1);
    assertThat(check.healthyThreshold()).isEqualTo(1);
    assertThatThrownBy(() -> ActiveHealthCheck.tcp().healthyThreshold(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("healthyThreshold must be >= 1 but was 0");
  }
}
