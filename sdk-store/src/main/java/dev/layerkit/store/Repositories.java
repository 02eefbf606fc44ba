package dev.layerkit.store;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.store.sharding.ShardedRepository;
import dev.layerkit.store.sharding.ShardedRepositoryBuilder;
import java.util.List;
import java.util.Objects;

/**
 * Entry points for {@link Repository} backends; each method returns a builder.
 *
 * <ul>
 *   <li>{@link #inMemory(EntityDescriptor)}: in this JVM's heap, no dependencies.</li>
 *   <li>{@link #sharded(List)}: a {@link ShardedRepository} over shard repositories of any
 *       backend.</li>
 *   <li>{@code JdbcRepository.builder(descriptor)} in {@code dev.layerkit.store.jdbc}: PostgreSQL,
 *       JSONB (needs {@code org.postgresql:postgresql}, and {@code com.zaxxer:HikariCP} unless you
 *       pass your own {@code DataSource}).</li>
 *   <li>{@code MongoRepository.builder(descriptor)} in {@code dev.layerkit.store.mongo}: MongoDB
 *       (needs {@code org.mongodb:mongodb-driver-sync}).</li>
 * </ul>
 *
 * <p>The production backends' builders stay on their classes so that this class never loads a
 * driver that is an optional dependency.
 *
 * <pre>{@code
 * Repository<String, Order> orders = Repositories.inMemory(Order.DESCRIPTOR).name("orders").build();
 * ShardedRepository<String, Order> sharded = Repositories.sharded(List.of(s0, s1, s2, s3)).build();
 * }</pre>
 */
public final class Repositories {

  /** The default name of an in-memory repository. */
  public static final String DEFAULT_IN_MEMORY_NAME = "memory";

  private Repositories() {}

  /**
   * Returns a builder of a repository in this JVM's heap, for development, tests and single-node
   * use: entities are stored as their codec's bytes, reads are lock-free, queries scan every entity.
   *
   * @param descriptor the entity descriptor
   * @param <ID> the id type
   * @param <T> the entity type
   * @return a new builder
   * @throws NullPointerException if {@code descriptor} is null
   */
  public static <ID, T> InMemoryBuilder<ID, T> inMemory(EntityDescriptor<ID, T> descriptor) {
    return new InMemoryBuilder<>(Objects.requireNonNull(descriptor, "descriptor"));
  }

  /**
   * Returns a builder of a repository sharded over {@code shards} (primaries without replicas;
   * add replicated shards with {@link ShardedRepositoryBuilder#shard(Repository, List)}).
   *
   * @param shards the shard repositories, in index order; they must share one descriptor
   * @param <ID> the id type
   * @param <T> the entity type
   * @return a new builder
   * @throws NullPointerException if {@code shards} or a shard is null
   * @throws IllegalArgumentException if {@code shards} is empty or lists a repository twice
   */
  public static <ID, T> ShardedRepositoryBuilder<ID, T> sharded(List<? extends Repository<ID, T>> shards) {
    return ShardedRepository.builder(shards);
  }

  /**
   * Configures an in-memory repository. Each setting may be given once. Not thread-safe; the
   * repository it builds is.
   *
   * @param <ID> the id type
   * @param <T> the entity type
   */
  public static final class InMemoryBuilder<ID, T> {
    private final BuilderSettings settings = new BuilderSettings();
    private final EntityDescriptor<ID, T> descriptor;
    private String name = DEFAULT_IN_MEMORY_NAME;

    private InMemoryBuilder(EntityDescriptor<ID, T> descriptor) {
      this.descriptor = descriptor;
    }

    /**
     * Sets the name for messages and health checks; {@value Repositories#DEFAULT_IN_MEMORY_NAME}
     * by default.
     *
     * @param name the name
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     * @throws IllegalStateException if already set
     */
    public InMemoryBuilder<ID, T> name(String name) {
      Arguments.notBlank(name, "name");
      settings.requireUnset("name", this.name);
      this.name = name;
      return this;
    }

    /**
     * Builds the repository, empty.
     *
     * @return a thread-safe repository
     */
    public Repository<ID, T> build() {
      return InMemoryRepository.create(name, descriptor);
    }
  }
}
