package dev.layerkit.store.jdbc;

import dev.layerkit.core.hash.Hashing;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.store.StoreException;
import dev.layerkit.store.internal.Names;
import dev.layerkit.store.sharding.ShardMap;
import dev.layerkit.store.sharding.ShardMapStore;
import dev.layerkit.store.sharding.StaleShardMapException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ShardMapStore} on PostgreSQL: one row per sharded repository in a small table, and
 * PostgreSQL advisory locks for record keys. Every instance of a
 * {@code ShardedRepository} that points at the same table shares its shard map.
 *
 * <pre>{@code
 * ShardMapStore maps = JdbcShardMapStore.builder().jdbcUrl("jdbc:postgresql://db:5432/shop").user("app").build();
 * }</pre>
 *
 * <p><b>Table.</b> {@code (repository text PRIMARY KEY, version bigint, shards text[], target
 * text[])}, created if absent (default name {@value #DEFAULT_TABLE}).
 *
 * <p><b>Locks.</b> {@link #fenced} opens a transaction on its own connection, reads the row
 * {@code FOR SHARE}, compares the version, takes {@code pg_advisory_xact_lock} on a 64-bit hash of
 * (repository, key) for each key (in ascending order, in one statement), runs the write (which
 * uses the shard's own connection) and commits, which releases everything. {@link #compareAndSet}
 * reads the row {@code FOR UPDATE}, which waits for every {@code FOR SHARE} holder, then updates
 * it. {@link #withKeysLocked} takes only the advisory locks. A connection that dies aborts its
 * transaction and so releases its locks. Two keys whose hashes collide share a lock, which costs
 * only waiting; advisory locks are database-wide, and the repository name in the hash keeps other
 * repositories' keys apart.
 *
 * <p><b>Failure.</b> Thread-safe. An {@link SQLException} becomes a {@link StoreException}; a
 * fenced write whose lock transaction cannot commit is reported as failed even though the write
 * itself ran (the caller cannot know whether the fence held; treat it as an indeterminate write,
 * as any timeout). Each fenced write holds one pooled connection of this store for its duration:
 * size the pool ({@link Builder#maximumPoolSize}) for the concurrent writers.
 */
public final class JdbcShardMapStore implements ShardMapStore, AutoCloseable {

  /** The default table name. */
  public static final String DEFAULT_TABLE = "layerkit_shard_map";

  /** The default size of the pool made for {@link Builder#jdbcUrl}. */
  public static final int DEFAULT_MAXIMUM_POOL_SIZE = 10;

  private final DataSource dataSource;
  private final boolean ownsDataSource;
  private final String table;
  private final String select;
  private final String selectForShare;
  private final String selectForUpdate;

  private JdbcShardMapStore(DataSource dataSource, boolean ownsDataSource, String table) {
    this.dataSource = dataSource;
    this.ownsDataSource = ownsDataSource;
    this.table = table;
    this.select = "SELECT version, shards, target FROM " + table + " WHERE repository = ?";
    this.selectForShare = select + " FOR SHARE";
    this.selectForUpdate = "SELECT version FROM " + table + " WHERE repository = ? FOR UPDATE";
  }

  /**
   * Starts a store.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public ShardMap loadOrCreate(ShardMap initial) {
    Objects.requireNonNull(initial, "initial");
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement("INSERT INTO " + table
            + " (repository, version, shards, target) VALUES (?, ?, ?, ?) ON CONFLICT (repository) DO NOTHING")) {
      s.setString(1, initial.repository());
      s.setLong(2, initial.version());
      s.setArray(3, c.createArrayOf("text", initial.shards().toArray()));
      List<String> target = initial.target();
      s.setArray(4, target == null ? null : c.createArrayOf("text", target.toArray()));
      s.executeUpdate();
      return read(c, select, initial.repository()).orElseThrow();
    } catch (SQLException e) {
      throw failure("loadOrCreate", initial.repository(), e);
    }
  }

  @Override
  public Optional<ShardMap> load(String repository) {
    Objects.requireNonNull(repository, "repository");
    try (Connection c = dataSource.getConnection()) {
      return read(c, select, repository);
    } catch (SQLException e) {
      throw failure("load", repository, e);
    }
  }

  @Override
  public <R> R fenced(String repository, long version, Collection<String> keys, Supplier<R> write) {
    Objects.requireNonNull(repository, "repository");
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(write, "write");
    return inTransaction("fenced write", repository, c -> {
      ShardMap current = read(c, selectForShare, repository).orElseThrow(() ->
          new IllegalStateException("no shard map is stored for repository " + repository));
      if (current.version() != version) {
        throw StaleShardMapException.of(version, current);
      }
      lockKeys(c, repository, keys);
      return write.get();
    });
  }

  @Override
  public <R> R withKeysLocked(String repository, Collection<String> keys, Supplier<R> action) {
    Objects.requireNonNull(repository, "repository");
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(action, "action");
    return inTransaction("withKeysLocked", repository, c -> {
      lockKeys(c, repository, keys);
      return action.get();
    });
  }

  @Override
  public boolean compareAndSet(ShardMap expected, ShardMap next) {
    ShardMapStore.checkSuccessor(expected, next);
    return inTransaction("compareAndSet", expected.repository(), c -> {
      try (PreparedStatement s = c.prepareStatement(selectForUpdate)) {
        s.setString(1, expected.repository());
        try (ResultSet rs = s.executeQuery()) {
          if (!rs.next() || rs.getLong(1) != expected.version()) {
            return false;
          }
        }
      }
      try (PreparedStatement s = c.prepareStatement("UPDATE " + table
          + " SET version = ?, shards = ?, target = ? WHERE repository = ?")) {
        s.setLong(1, next.version());
        s.setArray(2, c.createArrayOf("text", next.shards().toArray()));
        List<String> target = next.target();
        s.setArray(3, target == null ? null : c.createArrayOf("text", target.toArray()));
        s.setString(4, next.repository());
        s.executeUpdate();
      }
      return true;
    });
  }

  /** Closes the pool if this store made it; a caller's {@link DataSource} is left open. */
  @Override
  public void close() {
    if (ownsDataSource) {
      HikariPools.close(dataSource, "shard map store " + table);
    }
  }


  @Override
  public String toString() {
    return "JdbcShardMapStore[" + table + ']';
  }

  private <R> R inTransaction(String operation, String repository, SqlWork<R> work) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        R result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        try {
          c.rollback();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw failure(operation, repository, e);
    }
  }

  private static void lockKeys(Connection c, String repository, Collection<String> keys) throws SQLException {
    if (keys.isEmpty()) {
      return;
    }
    Long[] hashes = new Long[keys.size()];
    int i = 0;
    for (String key : keys) {
      hashes[i++] = Hashing.hash(repository + '\u0000' + key);
    }
    // Ascending order, so that two lockers of several keys cannot deadlock (PostgreSQL would
    // detect it, but only after deadlock_timeout). unnest yields the array in order.
    Arrays.sort(hashes);
    try (PreparedStatement s = c.prepareStatement(
        "SELECT count(pg_advisory_xact_lock(k)) FROM unnest(?::bigint[]) AS k")) {
      s.setArray(1, c.createArrayOf("bigint", Arrays.stream(hashes).distinct().toArray()));
      s.executeQuery().close();
    }
  }

  private static Optional<ShardMap> read(Connection c, String query, String repository) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(query)) {
      s.setString(1, repository);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(new ShardMap(repository, rs.getLong(1), names(rs.getArray(2)), namesOrNull(rs.getArray(3))));
      }
    }
  }

  private static List<String> names(Array array) throws SQLException {
    return List.of((String[]) array.getArray());
  }

  private static @Nullable List<String> namesOrNull(@Nullable Array array) throws SQLException {
    return array == null ? null : names(array);
  }

  private StoreException failure(String operation, String repository, SQLException e) {
    return new StoreException("shard map store " + table + ": " + operation + " of " + repository + " failed: "
        + e.getMessage() + " [SQLState " + e.getSQLState() + ']', e);
  }

  private void createTable() {
    String ddl = "CREATE TABLE IF NOT EXISTS " + table
        + " (repository text PRIMARY KEY, version bigint NOT NULL, shards text[] NOT NULL, target text[])";
    for (int attempt = 1; ; attempt++) {
      try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
        s.execute(ddl);
        return;
      } catch (SQLException e) {
        // Two instances creating the table at once may collide in the catalog (unique_violation).
        if (attempt >= 3 || !"23505".equals(e.getSQLState())) {
          throw failure("create table", table, e);
        }
      }
    }
  }

  /** Builds a {@link JdbcShardMapStore}; not thread-safe. */
  public static final class Builder {
    private final BuilderSettings settings = new BuilderSettings();
    private String table = DEFAULT_TABLE;
    private @Nullable DataSource dataSource;
    private @Nullable String jdbcUrl;
    private @Nullable String user;
    private @Nullable String password;
    private int maximumPoolSize = DEFAULT_MAXIMUM_POOL_SIZE;

    private Builder() {}

    /**
     * Sets the table; default {@value JdbcShardMapStore#DEFAULT_TABLE}, in the connection's schema.
     *
     * @param table the table name
     * @return this builder
     * @throws NullPointerException if {@code table} is null
     * @throws IllegalArgumentException if it does not match {@code [a-z_][a-z0-9_]{0,62}}
     * @throws IllegalStateException if already set
     */
    public Builder table(String table) {
      Names.table("table", table);
      settings.requireUnset("table", this.table);
      this.table = table;
      return this;
    }

    /**
     * Uses a caller's data source (which the store will not close).
     *
     * @param dataSource the data source
     * @return this builder
     * @throws NullPointerException if {@code dataSource} is null
     * @throws IllegalStateException if already set
     */
    public Builder dataSource(DataSource dataSource) {
      Objects.requireNonNull(dataSource, "dataSource");
      settings.requireUnset("dataSource", this.dataSource);
      this.dataSource = dataSource;
      return this;
    }

    /**
     * Makes a HikariCP pool for this JDBC URL (closed by {@link JdbcShardMapStore#close()}).
     *
     * @param jdbcUrl a {@code jdbc:postgresql://} URL
     * @return this builder
     * @throws NullPointerException if {@code jdbcUrl} is null
     * @throws IllegalArgumentException if it is not a PostgreSQL JDBC URL
     * @throws IllegalStateException if already set
     */
    public Builder jdbcUrl(String jdbcUrl) {
      HikariPools.requirePostgresUrl(jdbcUrl);
      settings.requireUnset("jdbcUrl", this.jdbcUrl);
      this.jdbcUrl = jdbcUrl;
      return this;
    }

    /**
     * Sets the user for {@link #jdbcUrl}.
     *
     * @param user the user
     * @return this builder
     * @throws NullPointerException if {@code user} is null
     * @throws IllegalStateException if already set
     */
    public Builder user(String user) {
      Objects.requireNonNull(user, "user");
      settings.requireUnset("user", this.user);
      this.user = user;
      return this;
    }

    /**
     * Sets the password for {@link #jdbcUrl}.
     *
     * @param password the password
     * @return this builder
     * @throws NullPointerException if {@code password} is null
     * @throws IllegalStateException if already set
     */
    public Builder password(String password) {
      Objects.requireNonNull(password, "password");
      settings.requireUnset("password", this.password == null ? null : "(hidden)");
      this.password = password;
      return this;
    }

    /**
     * Sets the size of the pool made for {@link #jdbcUrl}: at least the number of threads that
     * write through the repositories using this store at once, plus one for a rebalance.
     *
     * @param maximumPoolSize connections, default {@value JdbcShardMapStore#DEFAULT_MAXIMUM_POOL_SIZE}
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder maximumPoolSize(int maximumPoolSize) {
      Arguments.positive(maximumPoolSize, "maximumPoolSize");
      settings.requireUnset("maximumPoolSize", this.maximumPoolSize);
      this.maximumPoolSize = maximumPoolSize;
      return this;
    }

    /**
     * Builds the store and creates its table if absent.
     *
     * @return the store
     * @throws IllegalStateException if not exactly one of {@link #dataSource} and {@link #jdbcUrl} was set
     * @throws StoreException if the table cannot be created
     */
    public JdbcShardMapStore build() {
      if ((dataSource == null) == (jdbcUrl == null)) {
        throw new IllegalStateException("exactly one of dataSource(...) and jdbcUrl(...) must be set");
      }
      boolean owns = dataSource == null;
      DataSource source = owns
          ? HikariPools.create("layerkit-shard-map-" + table, Objects.requireNonNull(jdbcUrl), user, password,
              maximumPoolSize, JdbcRepository.DEFAULT_CONNECTION_TIMEOUT_MILLIS)
          : dataSource;
      JdbcShardMapStore store = new JdbcShardMapStore(Objects.requireNonNull(source), owns, table);
      try {
        store.createTable();
      } catch (RuntimeException e) {
        store.close();
        throw e;
      }
      return store;
    }
  }
}
