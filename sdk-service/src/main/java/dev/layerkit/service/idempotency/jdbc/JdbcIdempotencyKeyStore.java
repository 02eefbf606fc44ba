package dev.layerkit.service.idempotency.jdbc;

import dev.layerkit.core.hash.Hashing;
import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.service.idempotency.ClaimResult;
import dev.layerkit.service.idempotency.IdempotencyKeyStore;
import dev.layerkit.service.idempotency.IdempotentResponse;
import dev.layerkit.service.idempotency.RequestFingerprint;
import dev.layerkit.service.idempotency.internal.ResponseBytes;
import dev.layerkit.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link IdempotencyKeyStore} in a PostgreSQL table, shared by every instance of a service,
 * whose claims can join the caller's transaction.
 *
 * <p><b>Table.</b> {@code idempotency_key text PRIMARY KEY, fingerprint text, state char(1)} ({@code
 * P} in flight, {@code C} completed){@code , token text, expires_at bigint} (epoch milliseconds on
 * the caller's clock){@code , response bytea}, created if absent by {@link Builder#build()}.
 *
 * <p><b>On its own</b> (this store): each call is one autocommitted statement on a connection from
 * the {@link DataSource}. A claim is {@code INSERT ... ON CONFLICT DO UPDATE ... WHERE expires_at
 * <= now RETURNING token}: the primary key makes it atomic, so of any number of concurrent claims
 * of a free key exactly one returns its token; the losers read the row's state.
 *
 * <p><b>In the caller's transaction</b> ({@link #joining(Connection)}): the claim, the stored
 * response and the release run on the caller's connection and commit or roll back with its
 * business write, so an order and the response that reports it are never stored one without the
 * other, and a crash rolls both back, freeing the key at once. A claim first takes {@code
 * pg_try_advisory_xact_lock} on the key's 64-bit hash: a concurrent request with the key gets a
 * 409 at once instead of waiting on the uncommitted row (with another payload it gets the 409
 * too, since the running request's row is not visible yet). If the action fails, roll the
 * transaction back.
 *
 * <p><b>Expiry.</b> Decided by comparing {@code expires_at} with the caller's time, so an expired
 * row is taken over by the next claim. Rows of keys never used again stay until {@link
 * #purgeExpired(long)} deletes them: schedule it (an index on {@code expires_at} serves it).
 *
 * <p><b>Failure.</b> A {@link SQLException} becomes a {@link StoreException} naming the store and
 * the operation; {@code Idempotency} then fails the request; {@link #healthCheck()} reports the
 * database's state. Thread-safe; the data source belongs
 * to the caller.
 *
 * <pre>{@code
 * JdbcIdempotencyKeyStore store = JdbcIdempotencyKeyStore.builder(dataSource).table("idempotency_keys").build();
 * try (Connection c = dataSource.getConnection()) {
 *   c.setAutoCommit(false);
 *   IdempotencyOutcome outcome = idempotency.using(store.joining(c)).execute(key, fingerprint, () -> insertOrder(c));
 *   c.commit();
 * }
 * }</pre>
 */
public final class JdbcIdempotencyKeyStore implements IdempotencyKeyStore {

  /** The default table name. */
  public static final String DEFAULT_TABLE = "layerkit_idempotency";

  private static final Logger LOG = LoggerFactory.getLogger(JdbcIdempotencyKeyStore.class);
  private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  /** How often a claim re-reads a row that vanished between its insert and its read (a release). */
  private static final int CLAIM_ATTEMPTS = 8;

  private final String name;
  private final String table;
  private final DataSource dataSource;
  private final String claimSql;
  private final String readSql;
  private final String completeSql;
  private final String releaseSql;
  private final String purgeSql;

  private JdbcIdempotencyKeyStore(Builder b) {
    this.table = b.schema != null ? b.schema + '.' + b.table : b.table;
    this.name = b.name != null ? b.name : b.table;
    this.dataSource = b.dataSource;
    this.claimSql = "INSERT INTO " + table + " AS t (idempotency_key, fingerprint, state, token, expires_at, response) "
        + "VALUES (?, ?, 'P', ?, ?, NULL) ON CONFLICT (idempotency_key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, "
        + "state = 'P', token = EXCLUDED.token, expires_at = EXCLUDED.expires_at, response = NULL "
        + "WHERE t.expires_at <= ? RETURNING t.token";
    this.readSql = "SELECT state, fingerprint, expires_at, response FROM " + table + " WHERE idempotency_key = ?";
    this.completeSql = "UPDATE " + table + " SET state = 'C', response = ?, expires_at = ? "
        + "WHERE idempotency_key = ? AND token = ? AND state = 'P'";
    this.releaseSql = "DELETE FROM " + table + " WHERE idempotency_key = ? AND token = ? AND state = 'P'";
    this.purgeSql = "DELETE FROM " + table + " WHERE expires_at <= ?";
  }

  /**
   * Starts a store on a data source.
   *
   * @param dataSource the connections (a pool), owned by the caller
   * @return a builder
   * @throws NullPointerException if {@code dataSource} is null
   */
  public static Builder builder(DataSource dataSource) {
    return new Builder(Objects.requireNonNull(dataSource, "dataSource"));
  }

  @Override
  public String name() {
    return name;
  }

  /**
   * Returns the table, qualified by its schema if one was given.
   *
   * @return the table
   */
  public String table() {
    return table;
  }

  /**
   * Returns a view of this store whose calls run on the caller's connection, inside its
   * transaction: nothing is committed or rolled back by the store. Cheap; make one per request.
   *
   * @param connection a connection with auto-commit off, owned by the caller
   * @return the store view
   * @throws NullPointerException if {@code connection} is null
   */
  public IdempotencyKeyStore joining(Connection connection) {
    Objects.requireNonNull(connection, "connection");
    return new Joined(connection);
  }

  @Override
  public ClaimResult claim(String key, RequestFingerprint fingerprint, String token, long nowMillis, long leaseMillis) {
    return pooled("claim", key, c -> claimOn(c, key, fingerprint, token, nowMillis, leaseMillis));
  }

  @Override
  public boolean complete(String key, String token, IdempotentResponse response, long nowMillis, long ttlMillis) {
    return pooled("complete", key, c -> completeOn(c, key, token, response, nowMillis, ttlMillis));
  }

  @Override
  public void release(String key, String token) {
    pooled("release", key, c -> releaseOn(c, key, token));
  }

  /**
   * Deletes the rows that expired at {@code nowMillis}; schedule it, for example hourly.
   *
   * @param nowMillis the current time, in epoch milliseconds, on the clock the {@code
   *     Idempotency} uses
   * @return how many rows were deleted
   * @throws StoreException if the statement fails
   */
  public int purgeExpired(long nowMillis) {
    int deleted = pooled("purgeExpired", "*", c -> {
      try (PreparedStatement purge = c.prepareStatement(purgeSql)) {
        purge.setLong(1, nowMillis);
        return purge.executeUpdate();
      }
    });
    LOG.debug("Idempotency store {}: purged {} expired keys", name, deleted);
    return deleted;
  }

  /**
   * Returns a health check named after the store: {@code UP} when a connection from the data
   * source is valid within 2 seconds, {@code DOWN} with the error otherwise.
   *
   * @return the check
   */
  public HealthCheck healthCheck() {
    return HealthCheck.of("idempotency-" + name, () -> {
      try (Connection connection = dataSource.getConnection()) {
        return connection.isValid(2) ? Health.up().build() : Health.down("connection not valid").build();
      } catch (SQLException | RuntimeException e) {
        return Health.down(e).build();
      }
    });
  }

  private ClaimResult claimOn(Connection connection, String key, RequestFingerprint fingerprint, String token,
      long nowMillis, long leaseMillis) throws SQLException {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(fingerprint, "fingerprint");
    Objects.requireNonNull(token, "token");
    for (int attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      try (PreparedStatement claim = connection.prepareStatement(claimSql)) {
        claim.setString(1, key);
        claim.setString(2, fingerprint.sha256());
        claim.setString(3, token);
        claim.setLong(4, nowMillis + leaseMillis);
        claim.setLong(5, nowMillis);
        try (ResultSet rows = claim.executeQuery()) {
          if (rows.next()) {
            return ClaimResult.acquired();
          }
        }
      }
      try (PreparedStatement read = connection.prepareStatement(readSql)) {
        read.setString(1, key);
        try (ResultSet rows = read.executeQuery()) {
          if (rows.next()) {
            RequestFingerprint held = new RequestFingerprint(rows.getString(2));
            long expiresAt = rows.getLong(3);
            if ("C".equals(rows.getString(1))) {
              return ClaimResult.completed(held, ResponseBytes.decode(rows.getBytes(4)), expiresAt);
            }
            return ClaimResult.inFlight(held, expiresAt);
          }
        }
      }
      // The holder released the key between our insert and our read: claim again.
    }
    throw new StoreException("idempotency store " + name + ": key " + key + " was claimed and released "
        + CLAIM_ATTEMPTS + " times while this request tried to read it", null);
  }

  private boolean completeOn(Connection connection, String key, String token, IdempotentResponse response,
      long nowMillis, long ttlMillis) throws SQLException {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(response, "response");
    try (PreparedStatement complete = connection.prepareStatement(completeSql)) {
      complete.setBytes(1, ResponseBytes.encode(response));
      complete.setLong(2, nowMillis + ttlMillis);
      complete.setString(3, key);
      complete.setString(4, token);
      return complete.executeUpdate() == 1;
    }
  }

  private int releaseOn(Connection connection, String key, String token) throws SQLException {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(token, "token");
    try (PreparedStatement release = connection.prepareStatement(releaseSql)) {
      release.setString(1, key);
      release.setString(2, token);
      return release.executeUpdate();
    }
  }

  /** Work on one connection that may throw {@link SQLException}. */
  @FunctionalInterface
  private interface SqlWork<T> {
    T run(Connection connection) throws SQLException;
  }

  /** Runs {@code work} on a pooled connection in auto-commit, turning a failure into a {@link StoreException}. */
  private <T> T pooled(String operation, String key, SqlWork<T> work) {
    try (Connection connection = dataSource.getConnection()) {
      return work.run(connection);
    } catch (SQLException e) {
      throw failure(operation, key, e);
    }
  }

  /** Runs {@code work} on the caller's connection, turning a failure into a {@link StoreException}. */
  private <T> T on(Connection connection, String operation, String key, SqlWork<T> work) {
    try {
      return work.run(connection);
    } catch (SQLException e) {
      throw failure(operation, key, e);
    }
  }

  private void createTable() {
    String index = (table.replace('.', '_') + "_expires_at");
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE IF NOT EXISTS " + table + " (idempotency_key text PRIMARY KEY, "
          + "fingerprint text NOT NULL, state char(1) NOT NULL, token text NOT NULL, expires_at bigint NOT NULL, "
          + "response bytea)");
      statement.execute("CREATE INDEX IF NOT EXISTS " + index.substring(Math.max(0, index.length() - 63))
          + " ON " + table + " (expires_at)");
    } catch (SQLException e) {
      throw failure("createTable", "*", e);
    }
  }

  private StoreException failure(String operation, String key, SQLException e) {
    return new StoreException("idempotency store " + name + ": " + operation + " of key " + key + " failed: "
        + e.getMessage(), e);
  }

  @Override
  public String toString() {
    return "JdbcIdempotencyKeyStore{name=" + name + ", table=" + table + '}';
  }

  /** The store's statements on the caller's connection, inside the caller's transaction. */
  private final class Joined implements IdempotencyKeyStore {
    private final Connection connection;

    Joined(Connection connection) {
      this.connection = connection;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public ClaimResult claim(String key, RequestFingerprint fingerprint, String token, long nowMillis,
        long leaseMillis) {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(fingerprint, "fingerprint");
      return on(connection, "claim", key, c -> {
        try (PreparedStatement lock = c.prepareStatement("SELECT pg_try_advisory_xact_lock(?)")) {
          lock.setLong(1, Hashing.hash(table + '\n' + key));
          try (ResultSet rows = lock.executeQuery()) {
            rows.next();
            if (!rows.getBoolean(1)) {
              // Another transaction runs this key; its row is not visible until it commits.
              return ClaimResult.inFlight(fingerprint, nowMillis + leaseMillis);
            }
          }
        }
        return claimOn(c, key, fingerprint, token, nowMillis, leaseMillis);
      });
    }

    @Override
    public boolean complete(String key, String token, IdempotentResponse response, long nowMillis, long ttlMillis) {
      return on(connection, "complete", key, c -> completeOn(c, key, token, response, nowMillis, ttlMillis));
    }

    @Override
    public void release(String key, String token) {
      on(connection, "release", key, c -> releaseOn(c, key, token));
    }

    @Override
    public String toString() {
      return JdbcIdempotencyKeyStore.this + " joining " + connection;
    }
  }

  /**
   * Configures a {@link JdbcIdempotencyKeyStore}. Each setting may be given once ({@link
   * IllegalStateException} otherwise). Not thread-safe; the store it builds is.
   */
  public static final class Builder {
    private final BuilderSettings settings = new BuilderSettings();
    private final DataSource dataSource;
    private String table = DEFAULT_TABLE;
    private @Nullable String schema;
    private @Nullable String name;
    private boolean createTable = true;

    private Builder(DataSource dataSource) {
      this.dataSource = dataSource;
    }

    /**
     * Sets the table; {@value #DEFAULT_TABLE} by default.
     *
     * @param table the table name, {@code [a-z_][a-z0-9_]*}, at most 63 characters
     * @return this builder
     * @throws NullPointerException if {@code table} is null
     * @throws IllegalArgumentException if the name does not match
     * @throws IllegalStateException if already set
     */
    public Builder table(String table) {
      settings.requireUnset("table", this.table);
      this.table = identifier(table, "table");
      return this;
    }

    /**
     * Sets the schema of the table; the connection's search path by default.
     *
     * @param schema the schema name, {@code [a-z_][a-z0-9_]*}, at most 63 characters
     * @return this builder
     * @throws NullPointerException if {@code schema} is null
     * @throws IllegalArgumentException if the name does not match
     * @throws IllegalStateException if already set
     */
    public Builder schema(String schema) {
      settings.requireUnset("schema", this.schema);
      this.schema = identifier(schema, "schema");
      return this;
    }

    /**
     * Sets the store's name, for logs and messages; the table name by default.
     *
     * @param name the name
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     * @throws IllegalStateException if already set
     */
    public Builder name(String name) {
      settings.requireUnset("name", this.name);
      this.name = Arguments.notBlank(name, "name");
      return this;
    }

    /**
     * Sets whether {@link #build()} creates the table and its index if absent; true by default.
     *
     * @param createTable whether to create the table
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder createTable(boolean createTable) {
      settings.requireUnset("createTable", this.createTable);
      this.createTable = createTable;
      return this;
    }

    /**
     * Builds the store, creating its table unless told not to.
     *
     * @return a thread-safe store
     * @throws StoreException if the table cannot be created
     */
    public JdbcIdempotencyKeyStore build() {
      JdbcIdempotencyKeyStore store = new JdbcIdempotencyKeyStore(this);
      if (createTable) {
        store.createTable();
      }
      return store;
    }

    private static String identifier(String value, String parameter) {
      Objects.requireNonNull(value, parameter);
      if (!NAME.matcher(value).matches()) {
        throw new IllegalArgumentException(parameter + " must match [a-z_][a-z0-9_]* (at most 63 characters) but was '"
            + value + "'");
      }
      return value;
    }
  }
}
