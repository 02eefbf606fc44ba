package dev.layerkit.spring.health;

import dev.layerkit.core.health.HealthCheck;
import java.util.Objects;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * A Layerkit {@link HealthCheck} as an Actuator {@link HealthIndicator}. {@code UP} and
 * {@code DOWN} map to Actuator's; {@code DEGRADED} (the block still serves, worse: a fail-open
 * limiter or a cache reading through to its loader while Redis is away) maps to {@code UP} with the
 * detail {@code degraded=true} and the reason, so that it never takes an application out of
 * traffic. The check's details and duration are the indicator's details. A check that throws is
 * {@code DOWN} with the error. Thread-safe when the check is.
 */
public final class HealthCheckIndicator implements HealthIndicator {

  private final HealthCheck check;

  /**
   * Adapts a check.
   *
   * @param check the check
   * @throws NullPointerException if {@code check} is null
   */
  public HealthCheckIndicator(HealthCheck check) {
    this.check = Objects.requireNonNull(check, "check");
  }

  @Override
  public Health health() {
    dev.layerkit.core.health.Health result;
    try {
      result = check.check();
    } catch (RuntimeException e) {
      return Health.down(e).build();
    }
    Health.Builder builder = switch (result.status()) {
      case UP -> Health.up();
      case DEGRADED -> Health.up().withDetail("degraded", true);
      case DOWN -> Health.status(Status.DOWN);
    };
    builder.withDetails(result.details());
    if (!result.duration().isZero()) {
      builder.withDetail("durationMicros", result.duration().toNanos() / 1_000);
    }
    return builder.build();
  }

  @Override
  public String toString() {
    return "HealthCheckIndicator{" + check.name() + '}';
  }
}
