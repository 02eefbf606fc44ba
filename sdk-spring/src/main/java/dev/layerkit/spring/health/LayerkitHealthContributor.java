package dev.layerkit.spring.health;

import dev.layerkit.core.health.HealthCheck;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;

/**
 * Layerkit's health checks as one composite Actuator contributor, a child per check named after
 * it. The checks are asked for on every read, so caches made after start (on first use) appear
 * too. Thread-safe.
 */
public final class LayerkitHealthContributor implements CompositeHealthContributor {

  private final Supplier<List<HealthCheck>> checks;
  private final Predicate<String> include;

  /**
   * Creates the contributor.
   *
   * @param checks supplies the current checks
   * @param include which check names to include
   * @throws NullPointerException if an argument is null
   */
  public LayerkitHealthContributor(Supplier<List<HealthCheck>> checks, Predicate<String> include) {
    this.checks = Objects.requireNonNull(checks, "checks");
    this.include = Objects.requireNonNull(include, "include");
  }

  @Override
  public @Nullable HealthContributor getContributor(String name) {
    return current().filter(check -> check.name().equals(name)).findFirst()
        .map(HealthCheckIndicator::new).orElse(null);
  }

  @Override
  public Stream<Entry> stream() {
    return current().map(check -> new Entry(check.name(), new HealthCheckIndicator(check)));
  }

  private Stream<HealthCheck> current() {
    return checks.get().stream().filter(check -> include.test(check.name()));
  }
}
