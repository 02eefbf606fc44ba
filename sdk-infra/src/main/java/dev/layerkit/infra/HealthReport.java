package dev.layerkit.infra;

import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthStatus;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The aggregated health of a group of checks, as served on the admin endpoints.
 *
 * <p>Immutable and thread-safe. The status is the worst of the critical checks' statuses; a
 * non-critical check that is {@link HealthStatus#DOWN} counts as {@link HealthStatus#DEGRADED}, so
 * an optional dependency never takes an instance out of rotation.
 *
 * @param status the aggregate status
 * @param checks each check's result, in registration order
 */
public record HealthReport(HealthStatus status, List<CheckResult> checks) {

  /**
   * Creates a report.
   *
   * @param status the aggregate status
   * @param checks the results, copied
   * @throws NullPointerException if an argument or an element is null
   */
  public HealthReport {
    Objects.requireNonNull(status, "status");
    checks = List.copyOf(checks);
  }

  /**
   * Returns the result of the named check, if the report holds it.
   *
   * @param name the check's name
   * @return its result, or null when the report has no such check
   */
  public @Nullable CheckResult check(String name) {
    for (CheckResult result : checks) {
      if (result.name().equals(name)) {
        return result;
      }
    }
    return null;
  }

  /**
   * One check's outcome within a report.
   *
   * @param name the check's name
   * @param critical whether a {@code DOWN} here makes the whole report {@code DOWN}
   * @param groups the groups the check belongs to
   * @param health what the check reported, with its duration
   */
  public record CheckResult(String name, boolean critical, Set<String> groups, Health health) {

    /**
     * Creates a result.
     *
     * @param name the check's name
     * @param critical whether the check is critical
     * @param groups its groups, copied
     * @param health its health
     * @throws NullPointerException if an argument is null
     */
    public CheckResult {
      Objects.requireNonNull(name, "name");
      groups = Set.copyOf(groups);
      Objects.requireNonNull(health, "health");
    }

    /**
     * Returns the check's status as it counts towards the report: a non-critical {@code DOWN}
     * counts as {@code DEGRADED}.
     *
     * @return the effective status
     */
    public HealthStatus effectiveStatus() {
      HealthStatus status = health.status();
      return !critical && status == HealthStatus.DOWN ? HealthStatus.DEGRADED : status;
    }
  }
}
