package dev.layerkit.infra.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@link ServiceSpec#parse}: the fields it reads, and files whose fields contradict each other refused as it documents. */
class ServiceSpecParseTest {

  /** Found by {@link ServiceSpecFuzzTest}: the builder's IllegalStateException escaped parse. */
  @Test
  void replicasOutsideTheAutoscalingRangeAreAnInvalidFieldNotAConflictingCall() {
    assertThatThrownBy(() -> ServiceSpec.parse("name: orders\nimage: orders:1\nreplicas: 3\n"
        + "autoscaling: {minReplicas: 2, maxReplicas: 2}\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("spec fields contradict each other: replicas (3) must be within autoscaling [2, 2]");
  }

  @Test
  void aConfigKeyGivenTwiceThroughNestingIsAnInvalidField() {
    assertThatThrownBy(() -> ServiceSpec.parse("name: orders\nimage: orders:1\nconfig: {a.b: 1, a: {b: 2}}\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("spec fields contradict each other: config a.b was already set");
  }

  @Test
  void specFileCarriesTheHeadlessServiceAndTheScalingTargets() {
    ServiceSpec spec = ServiceSpec.parse("name: orders\nimage: orders:1\nheadlessService: true\n"
        + "autoscaling: {podMetric: {name: rps, averageValue: \"40\"}}\n");
    assertThat(spec.headlessService()).isTrue();
    assertThat(spec.podMetricTarget()).isEqualTo(new ServiceSpec.PodMetricTarget("rps", "40"));
    assertThat(spec.kafkaLagTarget()).isNull();

    ServiceSpec keda = ServiceSpec.parse("name: events\nimage: e:1\nreplicas: 1\nautoscaling: {minReplicas: 1,"
        + " kafkaLag: {bootstrapServers: \"kafka:9092\", consumerGroup: g, topic: t, lagThreshold: 500}}\n");
    assertThat(keda.kafkaLagTarget()).isEqualTo(new ServiceSpec.KafkaLagTarget("kafka:9092", "g", "t", 500));
    assertThat(keda.headlessService()).isFalse();
  }

  @Test
  void badScalingFieldsAreNamedWithTheirValue() {
    assertThatThrownBy(() -> ServiceSpec.parse("name: o\nimage: o:1\nheadlessService: yes please\n"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("headlessService must be true or false");
    assertThatThrownBy(() -> ServiceSpec.parse("name: o\nimage: o:1\nautoscaling: {kafkaLag: {bootstrapServers: k,"
        + " consumerGroup: g, topic: t, lagThreshold: many}}\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("autoscaling.kafkaLag.lagThreshold must be an integer but was \"many\"");
    assertThatThrownBy(() -> ServiceSpec.parse("name: o\nimage: o:1\nautoscaling: {podMetric: {name: rps}}\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("spec field autoscaling.podMetric.averageValue is required");
    assertThatThrownBy(() -> ServiceSpec.parse("name: o\nimage: o:1\nautoscaling: {podMetric: {name: rps, avg: 1}}\n"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown spec field autoscaling.podMetric.avg");
  }
}
