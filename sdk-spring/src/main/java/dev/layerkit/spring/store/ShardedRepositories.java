package dev.layerkit.spring.store;

import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.spring.health.HealthCheckSource;
import dev.layerkit.store.sharding.ShardedRepository;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;

/**
 * The sharded repositories of {@code layerkit.repositories}, by name, with what the starter must
 * close at shutdown (the pools it made for {@code jdbc-url} shards; never an application's
 * {@code DataSource} or {@code MongoClient}). Its health checks are each shard's,
 * {@code <name>-shard-<i>}. Immutable and thread-safe.
 */
public final class ShardedRepositories implements HealthCheckSource, DisposableBean {

  private static final Logger LOG = LoggerFactory.getLogger(ShardedRepositories.class);

  private final Map<String, ShardedRepository<?, ?>> repositories;
  private final List<AutoCloseable> owned;

  /**
   * Creates the holder.
   *
   * @param repositories the repositories by name
   * @param owned what to close at shutdown, after the repositories
   * @throws NullPointerException if an argument is null
   */
  public ShardedRepositories(Map<String, ShardedRepository<?, ?>> repositories, List<AutoCloseable> owned) {
    this.repositories = Map.copyOf(new LinkedHashMap<>(Objects.requireNonNull(repositories, "repositories")));
    this.owned = List.copyOf(Objects.requireNonNull(owned, "owned"));
  }

  /**
   * Returns the repository named {@code name}.
   *
   * @param name a key of {@code layerkit.repositories}
   * @return the repository
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if there is none of that name (the message lists the names)
   */
  public ShardedRepository<?, ?> get(String name) {
    ShardedRepository<?, ?> repository = repositories.get(Objects.requireNonNull(name, "name"));
    if (repository == null) {
      throw new IllegalArgumentException("no sharded repository is named '" + name + "'; define"
          + " layerkit.repositories." + name + " (known: " + repositories.keySet() + ")");
    }
    return repository;
  }

  /**
   * Returns the names.
   *
   * @return the names
   */
  public Set<String> names() {
    return repositories.keySet();
  }

  @Override
  public List<HealthCheck> healthChecks() {
    List<HealthCheck> checks = new ArrayList<>();
    for (ShardedRepository<?, ?> repository : repositories.values()) {
      checks.addAll(repository.healthChecks());
    }
    return checks;
  }

  /** Stops the repositories' scatter pools and closes the pools the starter made. Never throws. */
  @Override
  public void destroy() {
    for (ShardedRepository<?, ?> repository : repositories.values()) {
      repository.close();
    }
    for (AutoCloseable closeable : owned) {
      try {
        closeable.close();
      } catch (Exception e) {
        LOG.warn("Closing {} failed", closeable, e);
      }
    }
  }

  @Override
  public String toString() {
    return "ShardedRepositories" + repositories.keySet();
  }
}
