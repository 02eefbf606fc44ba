package dev.layerkit.core.health;

import dev.layerkit.core.internal.Arguments;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A named probe of one component's health: a Redis connection, a database pool, a Kafka producer,
 * a set of upstream endpoints.
 *
 * <p>{@link #check()} should be quick and bounded (a PING, a {@code SELECT 1}, reading cached
 * state); the runner adds its own timeout and measures the duration. It should report trouble as a
 * {@link Health} rather than throw; a runner treats a thrown exception as
 * {@link HealthStatus#DOWN} with the exception as the reason. Implementations must be thread-safe:
 * a runner may call {@code check()} from any thread, though not concurrently with itself.
 *
 * <pre>{@code
 * HealthCheck redis = HealthCheck.of("redis", () -> "PONG".equals(commands.ping())
 *     ? Health.up().build()
 *     : Health.down("unexpected PING reply").build());
 * }</pre>
 */
public interface HealthCheck {

  /**
   * Returns the check's name, unique within a registry, for example {@code "redis-cache"}.
   *
   * @return the name
   */
  String name();

  /**
   * Probes the component.
   *
   * @return its health, never null
   */
  Health check();

  /**
   * Returns a check from a name and a probe.
   *
   * @param name the check's name
   * @param probe the probe
   * @return the check
   * @throws NullPointerException if {@code name} or {@code probe} is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  static HealthCheck of(String name, Supplier<Health> probe) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(probe, "probe");
    Arguments.notBlank(name, "name");
    return new HealthCheck() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Health check() {
        return probe.get();
      }

      @Override
      public String toString() {
        return "HealthCheck[" + name + ']';
      }
    };
  }
}
