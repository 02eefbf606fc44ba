package dev.layerkit.test.servers;

import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Decides, from settings alone, which ways of getting a server to try and in what order.
 *
 * <p>It is pure (no probing, no starting) so the order that DESIGN.md promises is unit-tested
 * without servers: a {@code layerkit.test.<server>=embedded} property wins, because it is how CI
 * proves the fallback on a machine that has everything else; then the environment variable, which
 * is the user's explicit choice and so is never silently replaced by another server; then
 * Testcontainers (Redis, PostgreSQL, Kafka, MongoDB), which is skipped at once where no Docker
 * engine answers; then the loopback service (Redis and PostgreSQL only); and last the embedded
 * server (for Redis Cluster, the only one). Stateless and thread-safe.
 */
final class ResolutionPlan {

  private ResolutionPlan() {}

  /**
   * Returns the ways to try, in order, for one kind of server.
   *
   * @param kind the server wanted
   * @param environment the process environment
   * @param properties the system properties
   * @return the sources to try, first first; never empty
   * @throws IllegalArgumentException if {@code layerkit.test.<server>} holds a value other than
   *     {@code embedded}, since a typo there would otherwise be ignored
   */
  static List<ServerSource> plan(ServerKind kind, Lookup environment, Lookup properties) {
    String forced = trimmedOrNull(properties.get(kind.systemProperty()));
    if (forced != null) {
      if (!forced.toLowerCase(Locale.ROOT).equals(ServerKind.FORCE_EMBEDDED)) {
        throw new IllegalArgumentException(
            kind.systemProperty() + " must be '" + ServerKind.FORCE_EMBEDDED + "' but was '"
                + forced + "'");
      }
      return List.of(ServerSource.EMBEDDED);
    }
    if (environmentUrl(kind, environment) != null) {
      return List.of(ServerSource.ENVIRONMENT);
    }
    switch (kind) {
      case REDIS:
      case POSTGRES:
        return List.of(ServerSource.TESTCONTAINERS, ServerSource.LOOPBACK, ServerSource.EMBEDDED);
      case MONGO:
      case KAFKA:
        return List.of(ServerSource.TESTCONTAINERS, ServerSource.EMBEDDED);
      case REDIS_CLUSTER:
        return List.of(ServerSource.EMBEDDED);
      default:
        throw new AssertionError(kind);
    }
  }

  /**
   * Returns the trimmed value of the kind's environment variable, or null when it is unset or
   * blank (an empty {@code LAYERKIT_TEST_REDIS=} in a CI file means "not given").
   *
   * @param kind the server wanted
   * @param environment the process environment
   * @return the URL, or null
   */
  static @Nullable String environmentUrl(ServerKind kind, Lookup environment) {
    return trimmedOrNull(environment.get(kind.environmentVariable()));
  }

  private static @Nullable String trimmedOrNull(@Nullable String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    return value.trim();
  }
}
