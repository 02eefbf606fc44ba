package dev.layerkit.spring.health;

import dev.layerkit.core.health.HealthCheck;
import java.util.List;

/**
 * A bean that has Layerkit health checks to show in Actuator, asked on every health read (so
 * checks of things made after start appear too). The starter's sharded repositories and event
 * clients are such beans; an application may define its own. Implementations are thread-safe.
 */
@FunctionalInterface
public interface HealthCheckSource {

  /**
   * Returns the current checks.
   *
   * @return the checks, each named uniquely among Layerkit's
   */
  List<HealthCheck> healthChecks();
}
