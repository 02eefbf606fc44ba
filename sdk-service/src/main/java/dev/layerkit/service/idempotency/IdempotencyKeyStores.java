package dev.layerkit.service.idempotency;

import dev.layerkit.service.idempotency.jdbc.JdbcIdempotencyKeyStore;
import dev.layerkit.service.idempotency.redis.RedisIdempotencyKeyStore;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import javax.sql.DataSource;

/**
 * The entry point for {@link IdempotencyKeyStore}s: one factory per backend, each returning a
 * builder whose {@code build()} returns the store.
 *
 * <table>
 *   <caption>Backends</caption>
 *   <tr><th>factory</th><th>keys shared by</th><th>needs</th></tr>
 *   <tr><td>{@link #inMemory()}</td><td>one process</td><td>nothing</td></tr>
 *   <tr><td>{@link #redis(StatefulRedisConnection)}, {@link
 *       #redis(StatefulRedisClusterConnection)}</td><td>every instance; one Lua script per
 *       claim</td><td>{@code io.lettuce:lettuce-core}</td></tr>
 *   <tr><td>{@link #postgres(DataSource)}</td><td>every instance; the claim can join the
 *       caller's transaction</td><td>{@code org.postgresql:postgresql}</td></tr>
 * </table>
 *
 * <pre>{@code
 * IdempotencyKeyStore store = IdempotencyKeyStores.redis(connection).name("orders").build();
 * Idempotency idempotency = Idempotency.builder(store).build();
 * }</pre>
 */
public final class IdempotencyKeyStores {

  private IdempotencyKeyStores() {}

  /**
   * Starts an in-memory store, for one process.
   *
   * @return a builder
   */
  public static InMemoryKeyStoreBuilder inMemory() {
    return new InMemoryKeyStoreBuilder();
  }

  /**
   * Starts a Redis store, the same as {@link
   * RedisIdempotencyKeyStore#builder(StatefulRedisConnection)}.
   *
   * @param connection a connection with {@code String} keys and {@code byte[]} values, owned by
   *     the caller
   * @return a builder
   * @throws NullPointerException if {@code connection} is null
   */
  public static RedisIdempotencyKeyStore.Builder redis(StatefulRedisConnection<String, byte[]> connection) {
    return RedisIdempotencyKeyStore.builder(connection);
  }

  /**
   * Starts a Redis store on a Redis Cluster, the same as {@link
   * RedisIdempotencyKeyStore#builder(StatefulRedisClusterConnection)}.
   *
   * @param connection a cluster connection with {@code String} keys and {@code byte[]} values,
   *     owned by the caller
   * @return a builder
   * @throws NullPointerException if {@code connection} is null
   */
  public static RedisIdempotencyKeyStore.Builder redis(StatefulRedisClusterConnection<String, byte[]> connection) {
    return RedisIdempotencyKeyStore.builder(connection);
  }

  /**
   * Starts a PostgreSQL store, the same as {@link JdbcIdempotencyKeyStore#builder}.
   *
   * @param dataSource the connections, owned by the caller
   * @return a builder
   * @throws NullPointerException if {@code dataSource} is null
   */
  public static JdbcIdempotencyKeyStore.Builder postgres(DataSource dataSource) {
    return JdbcIdempotencyKeyStore.builder(dataSource);
  }
}
