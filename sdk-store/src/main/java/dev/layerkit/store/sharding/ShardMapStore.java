package dev.layerkit.store.sharding;

import java.util.Collection;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where the instances of a {@link ShardedRepository} share its {@link ShardMap}, and the locks
 * that fence writes against a change of the map and against the move of a record: the
 * coordination point that makes rebalancing safe while other instances write.
 *
 * <pre>{@code
 * ShardMapStore maps = JdbcShardMapStore.builder().dataSource(dataSource).build();   // or ShardMapStores.inMemory().build()
 * ShardedRepository<String, Order> orders = Repositories.sharded(List.of(s0, s1, s2, s3))
 *     .name("orders")
 *     .shardMap(maps, tables::get)        // resolves a shard name in the map to this instance's repository
 *     .build();
 * }</pre>
 *
 * <p><b>What an implementation must guarantee</b> (the protocol in {@link ShardedRepository}'s
 * rebalancing section relies on exactly this):
 * <ol>
 *   <li>{@link #fenced} runs its write only if the stored version is the one given, and holds the
 *       map in shared mode until the write returns: {@link #compareAndSet} waits for every fenced
 *       write in flight, and a fenced write that starts after a successful {@code compareAndSet}
 *       sees the new version (and is rejected with {@link StaleShardMapException}).
 *   <li>The key locks of {@link #fenced} and {@link #withKeysLocked} exclude each other per key
 *       across every instance (an implementation may lock a stripe or a hash that covers several
 *       keys, which costs only waiting).
 *   <li>{@link #compareAndSet} is atomic: at most one of two concurrent changes from the same
 *       version succeeds.
 * </ol>
 * Locks must be released when their holder dies (a database transaction's locks are, when its
 * connection drops).
 *
 * <p>Implementations: {@link ShardMapStores#inMemory()} (instances in one JVM, for tests and
 * development) and {@code jdbc.JdbcShardMapStore} (a PostgreSQL table and advisory locks).
 * Thread-safe.
 */
public interface ShardMapStore {

  /**
   * Returns the stored map of {@code initial}'s repository, storing {@code initial} first if there
   * is none.
   *
   * @param initial the map to store if the repository has none
   * @return the stored map
   * @throws NullPointerException if {@code initial} is null
   * @throws dev.layerkit.store.StoreException if the store fails
   */
  ShardMap loadOrCreate(ShardMap initial);

  /**
   * Returns the stored map of a repository.
   *
   * @param repository the sharded repository's name
   * @return the map, or empty if none was stored
   * @throws NullPointerException if {@code repository} is null
   * @throws dev.layerkit.store.StoreException if the store fails
   */
  Optional<ShardMap> load(String repository);

  /**
   * Runs a write if the repository's map is still at {@code version}, holding the map (shared) and
   * the given keys (exclusive) until it returns.
   *
   * @param repository the sharded repository's name
   * @param version the map version the write was routed by
   * @param keys the record keys to lock, empty for none; locked in a fixed order
   * @param write the write
   * @param <R> the write's result type
   * @return what {@code write} returned
   * @throws StaleShardMapException if the stored version is another; {@code write} did not run
   * @throws NullPointerException if an argument is null
   * @throws dev.layerkit.store.StoreException if the store fails
   */
  <R> R fenced(String repository, long version, Collection<String> keys, Supplier<R> write);

  /**
   * Runs an action holding the given keys (exclusive), whatever the map's version: how a
   * rebalance moves a batch of records.
   *
   * @param repository the sharded repository's name
   * @param keys the record keys to lock, in a fixed order
   * @param action the action
   * @param <R> the action's result type
   * @return what {@code action} returned
   * @throws NullPointerException if an argument is null
   * @throws dev.layerkit.store.StoreException if the store fails
   */
  <R> R withKeysLocked(String repository, Collection<String> keys, Supplier<R> action);

  /**
   * Replaces the stored map by {@code next} if it is still {@code expected}, after every fenced
   * write in flight has returned.
   *
   * @param expected the map as read; only its repository and version are compared
   * @param next the new map, of the same repository, at {@code expected.version() + 1}
   * @return whether the map was replaced
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code next} is of another repository or not at the next version
   * @throws dev.layerkit.store.StoreException if the store fails
   */
  boolean compareAndSet(ShardMap expected, ShardMap next);

  /**
   * Checks the arguments of {@link #compareAndSet}, for implementations.
   *
   * @param expected the map as read
   * @param next the new map
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code next} is of another repository or not at the next version
   */
  static void checkSuccessor(ShardMap expected, ShardMap next) {
    java.util.Objects.requireNonNull(expected, "expected");
    java.util.Objects.requireNonNull(next, "next");
    if (!expected.repository().equals(next.repository()) || next.version() != expected.version() + 1) {
      throw new IllegalArgumentException("next must be the map of " + expected.repository() + " at version "
          + (expected.version() + 1) + " but was " + next);
    }
  }
}
