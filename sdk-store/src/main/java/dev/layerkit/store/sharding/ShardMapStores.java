package dev.layerkit.store.sharding;

/**
 * Makes {@link ShardMapStore}s; the PostgreSQL one is {@code jdbc.JdbcShardMapStore.builder()}.
 */
public final class ShardMapStores {

  private ShardMapStores() {}

  /**
   * Starts an in-memory shard map store: for several {@link ShardedRepository} instances in one
   * JVM (tests, development). Instances in other processes need a shared store such as
   * {@code jdbc.JdbcShardMapStore}.
   *
   * @return a builder
   */
  public static InMemoryBuilder inMemory() {
    return new InMemoryBuilder();
  }

  /** Builds an in-memory {@link ShardMapStore}; it has no settings. Not thread-safe. */
  public static final class InMemoryBuilder {

    private InMemoryBuilder() {}

    /**
     * Builds the store.
     *
     * @return a new, empty store, thread-safe
     */
    public ShardMapStore build() {
      return new InMemoryShardMapStore();
    }
  }
}
