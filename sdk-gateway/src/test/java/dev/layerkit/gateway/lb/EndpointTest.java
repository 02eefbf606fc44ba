package dev.layerkit.gateway.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EndpointTest {

  @Test
  void idDefaultsToHostAndPortWithIpv6InBrackets() {
    assertThat(Endpoint.of("10.0.0.1", 8080).id()).isEqualTo("10.0.0.1:8080");
    assertThat(Endpoint.of("::1", 8080).id()).isEqualTo("[::1]:8080");
    assertThat(Endpoint.builder("10.0.0.1", 8080).id("pod-a").build().id()).isEqualTo("pod-a");
  }

  @Test
  void keepsWeightZoneAndMetadata() {
    Endpoint endpoint = Endpoint.builder("h", 1).weight(3).zone("z1").metadata("version", "2").build();

    assertThat(endpoint.weight()).isEqualTo(3);
    assertThat(endpoint.zone()).isEqualTo("z1");
    assertThat(endpoint.metadata()).containsEntry("version", "2");
    assertThat(endpoint.address().getHostString()).isEqualTo("h");
    assertThat(endpoint.toString()).contains("h:1", "weight=3", "zone=z1");
  }

  @Test
  void equalByAllValues() {
    assertThat(Endpoint.of("h", 1, 2)).isEqualTo(Endpoint.of("h", 1, 2)).hasSameHashCodeAs(Endpoint.of("h", 1, 2));
    assertThat(Endpoint.of("h", 1, 2)).isNotEqualTo(Endpoint.of("h", 1, 3));
    assertThat(Endpoint.of("h", 1, 2).toBuilder().build()).isEqualTo(Endpoint.of("h", 1, 2));
  }

  @Test
  void rejectsNonPositiveAndTooLargeWeightsNamingTheValue() {
    assertThatThrownBy(() -> Endpoint.of("h", 1, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("weight must be > 0 but was 0");
    assertThatThrownBy(() -> Endpoint.of("h", 1, -5))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("weight must be > 0 but was -5");
    assertThatThrownBy(() -> Endpoint.of("h", 1, Endpoint.MAX_WEIGHT + 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1000001");
  }

  @Test
  void rejectsBadHostAndPort() {
    assertThatThrownBy(() -> Endpoint.of(null, 1)).isInstanceOf(NullPointerException.class).hasMessage("host");
    assertThatThrownBy(() -> Endpoint.of(" ", 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("host must not be blank but was ' '");
    assertThatThrownBy(() -> Endpoint.of("h", 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("port must be in [1, 65535] but was 0");
    assertThatThrownBy(() -> Endpoint.of("h", 65_536))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65536");
  }

  @Test
  void rejectsRepeatedSettings() {
    assertThatThrownBy(() -> Endpoint.builder("h", 1).weight(2).weight(3))
        .isInstanceOf(IllegalStateException.class).hasMessage("weight was already set to 2");
    assertThatThrownBy(() -> Endpoint.builder("h", 1).zone("a").zone("b"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("zone");
    assertThatThrownBy(() -> Endpoint.builder("h", 1).metadata("k", "1").metadata("k", "2"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("'k'");
  }
}
