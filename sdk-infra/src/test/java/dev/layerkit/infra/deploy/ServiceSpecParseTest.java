package dev.layerkit.infra.deploy;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@link ServiceSpec#parse} refuses a file whose fields contradict each other as it documents. */
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
}
