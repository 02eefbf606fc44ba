package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The load generator against the embedded system, with and without an instance dying halfway. */
class OrderLoadIT {

  @Test
  void aCountedMixedRunReportsEveryRequest() throws Exception {
    try (OrderSystem system = OrderSystem.start(
        OrderSystemOptions.embeddedOnFreePorts().withRatePerSecond(1_000_000))) {
      OrderLoad load = new OrderLoad(system.gatewayUri(), system.apiKey(), "mixed", 4, null, 400);

      OrderLoad.Summary summary = load.run(null, null);

      assertThat(summary.requests()).isEqualTo(400);
      assertThat(summary.failures()).isZero();
      assertThat(summary.statuses()).containsOnlyKeys(200, 201);
      assertThat(summary.statuses().get(201)).isEqualTo(80);
      assertThat(summary.p99Millis()).isGreaterThanOrEqualTo(summary.p50Millis());
      assertThat(summary.cacheHitRatio()).isGreaterThan(0.5);
    }
  }

  @Test
  void killingAnInstanceHalfwayFailsNoGet() throws Exception {
    try (OrderSystem system = OrderSystem.start(
        OrderSystemOptions.embeddedOnFreePorts().withRatePerSecond(1_000_000))) {
      OrderLoad load = new OrderLoad(system.gatewayUri(), system.apiKey(), "get", 8, null, 3000);

      OrderLoad.Summary summary = load.run(null, () -> system.killService(1));

      assertThat(summary.requests()).isEqualTo(3000);
      assertThat(summary.failures()).as(summary.format()).isZero();
      assertThat(summary.statuses()).containsOnlyKeys(200);
    }
  }

  @Test
  void rejectsBadSettings() {
    java.net.URI uri = java.net.URI.create("http://127.0.0.1:1/");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new OrderLoad(uri, "k", "browse", 1, null, 1))
        .hasMessageContaining("scenario must be get, post or mixed but was 'browse'");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new OrderLoad(uri, "k", "get", 0, null, 1))
        .hasMessageContaining("concurrency must be 1 to 1024 but was 0");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> OrderLoad.durationOption("soon"))
        .hasMessage("--duration must be a duration such as 250ms, 5s, 1m or PT5S but was 'soon'");
    assertThat(OrderLoad.durationOption("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(OrderLoad.durationOption("PT90S")).isEqualTo(Duration.ofSeconds(90));
  }
}
