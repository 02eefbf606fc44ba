package dev.layerkit.spring.ratelimit;

import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import dev.layerkit.gateway.ratelimit.redis.RedisRateLimiter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The application's named rate limiters: those of {@code layerkit.ratelimit.limiters}, each
 * replaced by the application's own {@code RateLimiter} bean named {@code <name>RateLimiter} where
 * there is one. Immutable and thread-safe.
 */
public final class RateLimiterRegistry {

  private final Map<String, RateLimiter> limiters;
  private final Set<String> nonBlocking;

  /**
   * Creates a registry.
   *
   * @param limiters the limiters by name
   * @param nonBlocking names of limiters whose {@link RateLimiter#tryAcquireAsync} never blocks
   *     (Layerkit's in-memory and Redis limiters), which a reactive filter asks on its event loop;
   *     every other limiter is called off it
   * @throws NullPointerException if an argument is null
   */
  public RateLimiterRegistry(Map<String, RateLimiter> limiters, Set<String> nonBlocking) {
    this.limiters = Map.copyOf(new LinkedHashMap<>(Objects.requireNonNull(limiters, "limiters")));
    this.nonBlocking = Set.copyOf(Objects.requireNonNull(nonBlocking, "nonBlocking"));
  }

  /**
   * Returns the limiter named {@code name}.
   *
   * @param name the name, a key of {@code layerkit.ratelimit.limiters}
   * @return the limiter
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if no limiter has that name (the message lists the names)
   */
  public RateLimiter get(String name) {
    RateLimiter limiter = find(name);
    if (limiter == null) {
      throw new IllegalArgumentException("no rate limiter is named '" + name + "'; define"
          + " layerkit.ratelimit.limiters." + name + " (known: " + limiters.keySet() + ")");
    }
    return limiter;
  }

  /**
   * Returns the limiter named {@code name}, or null.
   *
   * @param name the name
   * @return the limiter, or null if there is none
   * @throws NullPointerException if {@code name} is null
   */
  public @Nullable RateLimiter find(String name) {
    return limiters.get(Objects.requireNonNull(name, "name"));
  }

  /**
   * Returns whether the named limiter answers without I/O.
   *
   * @param name the name
   * @return true for in-memory limiters made by the starter
   */
  public boolean isNonBlocking(String name) {
    return nonBlocking.contains(name);
  }

  /**
   * Returns the names.
   *
   * @return the names
   */
  public Set<String> names() {
    return limiters.keySet();
  }

  /**
   * Returns the health checks of the limiters that have one (Redis limiters).
   *
   * @return the checks
   */
  public List<HealthCheck> healthChecks() {
    List<HealthCheck> checks = new ArrayList<>();
    for (RateLimiter limiter : limiters.values()) {
      if (limiter instanceof RedisRateLimiter redis) {
        checks.add(redis.healthCheck());
      }
    }
    return checks;
  }

  @Override
  public String toString() {
    return "RateLimiterRegistry" + limiters.keySet();
  }
}
