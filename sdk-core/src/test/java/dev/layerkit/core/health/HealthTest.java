package dev.layerkit.core.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HealthTest {

  @Test
  void worstStatusWins() {
    assertThat(HealthStatus.UP.and(HealthStatus.UP)).isEqualTo(HealthStatus.UP);
    assertThat(HealthStatus.UP.and(HealthStatus.DEGRADED)).isEqualTo(HealthStatus.DEGRADED);
    assertThat(HealthStatus.DOWN.and(HealthStatus.DEGRADED)).isEqualTo(HealthStatus.DOWN);
    assertThat(HealthStatus.DEGRADED.and(HealthStatus.DOWN)).isEqualTo(HealthStatus.DOWN);
  }

  @Test
  void downFromAnErrorKeepsClassAndMessageButNoStackTrace() {
    Health health = Health.down(new IllegalStateException("connection refused")).detail("host", "redis:6379").build();
    assertThat(health.status()).isEqualTo(HealthStatus.DOWN);
    assertThat(health.details()).containsExactly(
        Map.entry("error", "java.lang.IllegalStateException: connection refused"),
        Map.entry("host", "redis:6379"));
  }

  @Test
  void detailsAreCopiedAndUnmodifiable() {
    Map<String, Object> details = new HashMap<>();
    details.put("a", 1);
    Health health = new Health(HealthStatus.UP, details, Duration.ZERO);
    details.put("b", 2);
    assertThat(health.details()).containsOnlyKeys("a");
    assertThatThrownBy(() -> health.details().put("c", 3)).isInstanceOf(UnsupportedOperationException.class);
    assertThat(health.detail("a")).isEqualTo(1);
    assertThat(health.detail("missing")).isNull();
  }

  @Test
  void durationIsValidatedAndCanBeAddedLater() {
    Health health = Health.degraded("fail-open").build().withDuration(Duration.ofMillis(7));
    assertThat(health.duration()).isEqualTo(Duration.ofMillis(7));
    assertThat(health.detail("reason")).isEqualTo("fail-open");
    assertThatThrownBy(() -> Health.up().duration(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("duration must be >= 0 but was PT-0.001S");
    assertThatThrownBy(() -> Health.up().detail("k", null)).isInstanceOf(NullPointerException.class).hasMessage("value");
  }

  @Test
  void checkFromALambdaHasItsNameAndRejectsBlankNames() {
    HealthCheck check = HealthCheck.of("redis", () -> Health.status(HealthStatus.UP).build());
    assertThat(check.name()).isEqualTo("redis");
    assertThat(check.check().status()).isEqualTo(HealthStatus.UP);
    assertThatThrownBy(() -> HealthCheck.of(" ", () -> Health.up().build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name must not be blank but was ' '");
  }
}
