package dev.layerkit.store.jdbc;

import dev.layerkit.core.hash.Hashing;
import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Filter;
import dev.layerkit.store.OptimisticLockException;
import dev.layerkit.store.Repository;
import dev.layerkit.store.StoreException;
import dev.layerkit.store.internal.Names;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Repository} on PostgreSQL: one table per repository with columns {@code id text
 * PRIMARY KEY}, {@code version bigint} and {@code doc jsonb} (the codec's JSON).
 *
 * <pre>{@code
 * JdbcRepository<String, Order> orders = JdbcRepository.builder(descriptor)
 *     .jdbcUrl("jdbc:postgresql://db:5432/shop").user("app").password(secret)
 *     .table("orders")
 *     .build();                 // creates the table and indexes if absent
 * }</pre>
 *
 * <p><b>Statements.</b> Prepared statements only; the table, schema and field names are checked
 * against strict patterns ({@code [a-z_][a-z0-9_]*} for tables and schemas) before they are
 * written into SQL. {@link #save} is one statement: {@code UPDATE ... WHERE id = ? AND version = ?}
 * for a stored entity, and for version 0 {@code INSERT ... ON CONFLICT (id) DO UPDATE ... WHERE
 * version = 0}; only when it changes no row is the stored version read, for the exception's
 * message. Each indexed field gets an expression index on {@code (doc->'field')}, which serves
 * equality, {@code in} and numeric ranges.
 *
 * <p><b>Connections.</b> From a caller's {@link DataSource}, or from a HikariCP pool the
 * repository makes from {@link Builder#jdbcUrl} and closes in {@link #close()}. {@link #scan()}
 * holds one connection, in a read-only transaction with a server-side cursor, until the stream is
 * closed.
 *
 * <p><b>Failure.</b> Thread-safe. A {@link SQLException} becomes a {@link StoreException} naming
 * the repository and the operation; nothing is half-written (each write is one statement, a
 * batch one transaction). When the server is slow or gone, a call waits at most
 * {@link Builder#connectionTimeout} for a pooled connection (default
 * {@value #DEFAULT_CONNECTION_TIMEOUT_MILLIS} ms) and then fails; {@link #healthCheck()} reports
 * {@code DOWN}. In a {@code ShardedRepository} the first failure opens the shard's circuit breaker, and later
 * calls fail at once.
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
public final class JdbcRepository<ID, T> implements Repository<ID, T>, AutoCloseable {

  /** The rows fetched per round trip by {@link #scan()} unless {@link Builder#fetchSize} says otherwise. */
  public static final int DEFAULT_FETCH_SIZE = 500;

  /** How long a call waits for a connection from the repository's own pool, in milliseconds. */
  public static final long DEFAULT_CONNECTION_TIMEOUT_MILLIS = 5_000;

  /** The pool size when the repository makes its own pool. */
  public static final int DEFAULT_MAXIMUM_POOL_SIZE = 10;

  private final String name;
  private final EntityDescriptor<ID, T> descriptor;
  private final DataSource dataSource;
  private final boolean ownsDataSource;
  private final String table;
  private final int fetchSize;
  private final String findById;
  private final String insertNew;
  private final String update;
  private final String insertIfAbsent;
  private final String delete;
  private final String versionOf;

  private JdbcRepository(Builder<ID, T> b, String table, DataSource dataSource, boolean ownsDataSource) {
    this.descriptor = b.descriptor;
    this.table = table;
    this.name = b.name != null ? b.name : table;
    this.dataSource = dataSource;
    this.ownsDataSource = ownsDataSource;
    this.fetchSize = b.fetchSize;
    this.findById = "SELECT doc::text FROM " + table + " WHERE id = ?";
    this.insertNew = "INSERT INTO " + table + " AS t (id, version, doc) VALUES (?, 1, ?::jsonb) "
        + "ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, doc = EXCLUDED.doc WHERE t.version = 0";
    this.update = "UPDATE " + table + " SET version = ?, doc = ?::jsonb WHERE id = ? AND version = ?";
    this.insertIfAbsent = "INSERT INTO " + table + " (id, version, doc) VALUES (?, ?, ?::jsonb) ON CONFLICT (id) DO NOTHING";
    this.delete = "DELETE FROM " + table + " WHERE id = ?";
    this.versionOf = "SELECT version FROM " + table + " WHERE id = ?";
  }

  /**
   * Starts a repository for the descriptor's entities.
   *
   * @param descriptor the entity descriptor; its codec must encode a JSON object
   * @param <ID> the id type
   * @param <T> the entity type
   * @return a builder
   * @throws NullPointerException if {@code descriptor} is null
   */
  public static <ID, T> Builder<ID, T> builder(EntityDescriptor<ID, T> descriptor) {
    return new Builder<>(Objects.requireNonNull(descriptor, "descriptor"));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public EntityDescriptor<ID, T> descriptor() {
    return descriptor;
  }

  /**
   * Returns the table, qualified with its schema if one was set.
   *
   * @return the table name as used in SQL
   */
  public String table() {
    return table;
  }

  @Override
  public Optional<T> findById(ID id) {
    String key = descriptor.idKey(id);
    try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(findById)) {
      s.setString(1, key);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(decode(rs.getString(1))) : Optional.empty();
      }
    } catch (SQLException e) {
      throw storeException("findById", e);
    }
  }

  @Override
  public List<T> findAll(Filter filter) {
    Objects.requireNonNull(filter, "filter");
    SqlFilter sql = SqlFilter.of(filter);
    String query = "SELECT doc::text FROM " + table + sql.where + sql.orderBy + (filter.hasLimit() ? " LIMIT ?" : "");
    try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(query)) {
      int next = sql.bind(s, 1);
      if (filter.hasLimit()) {
        s.setInt(next, filter.limit());
      }
      return decodeAll(s);
    } catch (SQLException e) {
      throw storeException("findAll", e);
    }
  }

  @Override
  public T save(T entity) {
    return onPooledConnection("save", c -> save(c, entity));
  }

  /**
   * Saves like {@link #save(Object)}, on the caller's connection and in its transaction: nothing
   * is committed or rolled back here. This is how a state change and its event in a transactional
   * outbox commit together:
   *
   * <pre>{@code
   * try (Connection c = dataSource.getConnection()) {
   *   c.setAutoCommit(false);
   *   Order saved = orders.save(c, order);
   *   outbox.add(c, "orders", saved.customerId(), event);
   *   c.commit();
   * }
   * }</pre>
   *
   * @param connection an open connection to this repository's database, not closed here
   * @param entity the entity with the version it was read at (0 for a new one)
   * @return the entity as stored, with its new version
   * @throws OptimisticLockException if the stored version is not the entity's
   * @throws StoreException if the database fails; the caller should roll back
   */
  public T save(Connection connection, T entity) {
    Objects.requireNonNull(connection, "connection");
    String key = descriptor.idKey(descriptor.idOf(entity));
    long expected = descriptor.versionOf(entity);
    T next = descriptor.withVersion(entity, expected + 1);
    String json = encode(next);
    try {
      int changed;
      if (expected == 0) {
        try (PreparedStatement s = connection.prepareStatement(insertNew)) {
          s.setString(1, key);
          s.setString(2, json);
          changed = s.executeUpdate();
        }
      } else {
        try (PreparedStatement s = connection.prepareStatement(update)) {
          s.setLong(1, expected + 1);
          s.setString(2, json);
          s.setString(3, key);
          s.setLong(4, expected);
          changed = s.executeUpdate();
        }
      }
      if (changed == 0) {
        throw OptimisticLockException.of(name, key, expected, storedVersion(connection, key));
      }
      return next;
    } catch (SQLException e) {
      throw storeException("save", e);
    }
  }

  private long storedVersion(Connection c, String key) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(versionOf)) {
      s.setString(1, key);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getLong(1) : OptimisticLockException.ABSENT;
      }
    }
  }

  @Override
  public boolean insertIfAbsent(T entity) {
    return onPooledConnection("insertIfAbsent", c -> insertIfAbsent(c, entity));
  }

  /**
   * Inserts like {@link #insertIfAbsent(Object)}, on the caller's connection and in its
   * transaction (see {@link #save(Connection, Object)}).
   *
   * @param connection an open connection to this repository's database, not closed here
   * @param entity the entity
   * @return true if it was inserted, false if an entity with its id exists
   * @throws StoreException if the database fails; the caller should roll back
   */
  public boolean insertIfAbsent(Connection connection, T entity) {
    Objects.requireNonNull(connection, "connection");
    String key = descriptor.idKey(descriptor.idOf(entity));
    String json = encode(entity);
    try (PreparedStatement s = connection.prepareStatement(insertIfAbsent)) {
      s.setString(1, key);
      s.setLong(2, descriptor.versionOf(entity));
      s.setString(3, json);
      return s.executeUpdate() == 1;
    } catch (SQLException e) {
      throw storeException("insertIfAbsent", e);
    }
  }

  /**
   * Returns the data source this repository reads and writes through, for transactions that
   * span it and other tables (see {@link #save(Connection, Object)}).
   *
   * @return the data source
   */
  public DataSource dataSource() {
    return dataSource;
  }

  @Override
  public boolean deleteById(ID id) {
    String key = descriptor.idKey(id);
    try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(delete)) {
      s.setString(1, key);
      return s.executeUpdate() == 1;
    } catch (SQLException e) {
      throw storeException("deleteById", e);
    }
  }

  @Override
  public List<T> findAllById(Collection<? extends ID> ids) {
    String[] keys = keys(ids);
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement("SELECT doc::text FROM " + table + " WHERE id = ANY(?)")) {
      s.setArray(1, c.createArrayOf("text", keys));
      return decodeAll(s);
    } catch (SQLException e) {
      throw storeException("findAllById", e);
    }
  }

  /**
   * Inserts the absent entities in one transaction (one batch of
   * {@code INSERT ... ON CONFLICT (id) DO NOTHING}): all of them or, on a failure, none.
   *
   * @param entities the entities
   * @return how many were inserted
   */
  @Override
  public int insertAllIfAbsent(List<? extends T> entities) {
    Objects.requireNonNull(entities, "entities");
    List<String> keys = new ArrayList<>(entities.size());
    List<String> docs = new ArrayList<>(entities.size());
    for (T entity : entities) {
      keys.add(descriptor.idKey(descriptor.idOf(entity)));
      docs.add(encode(entity));
    }
    if (entities.isEmpty()) {
      return 0;
    }
    try (Connection c = dataSource.getConnection()) {
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(false);
      try (PreparedStatement s = c.prepareStatement(insertIfAbsent)) {
        for (int i = 0; i < keys.size(); i++) {
          s.setString(1, keys.get(i));
          s.setLong(2, descriptor.versionOf(entities.get(i)));
          s.setString(3, docs.get(i));
          s.addBatch();
        }
        int inserted = 0;
        for (int count : s.executeBatch()) {
          inserted += count > 0 ? 1 : 0;
        }
        c.commit();
        return inserted;
      } catch (SQLException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(autoCommit);
      }
    } catch (SQLException e) {
      throw storeException("insertAllIfAbsent", e);
    }
  }

  @Override
  public int deleteAllById(Collection<? extends ID> ids) {
    String[] keys = keys(ids);
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement("DELETE FROM " + table + " WHERE id = ANY(?)")) {
      s.setArray(1, c.createArrayOf("text", keys));
      return s.executeUpdate();
    } catch (SQLException e) {
      throw storeException("deleteAllById", e);
    }
  }

  private String[] keys(Collection<? extends ID> ids) {
    Objects.requireNonNull(ids, "ids");
    String[] keys = new String[ids.size()];
    int i = 0;
    for (ID id : ids) {
      keys[i++] = descriptor.idKey(id);
    }
    return keys;
  }

  @Override
  public long count(Filter filter) {
    Objects.requireNonNull(filter, "filter");
    SqlFilter sql = SqlFilter.of(filter);
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement("SELECT count(*) FROM " + table + sql.where)) {
      sql.bind(s, 1);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw storeException("count", e);
    }
  }

  @Override
  public Stream<T> scan() {
    Connection c = null;
    try {
      c = dataSource.getConnection();
      c.setAutoCommit(false);
      c.setReadOnly(true);
      PreparedStatement s = c.prepareStatement("SELECT doc::text FROM " + table);
      s.setFetchSize(fetchSize);
      ResultSet rs = s.executeQuery();
      Connection connection = c;
      Spliterator<T> rows = new Spliterators.AbstractSpliterator<>(Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL) {
        @Override
        public boolean tryAdvance(Consumer<? super T> action) {
          try {
            if (!rs.next()) {
              return false;
            }
            action.accept(decode(rs.getString(1)));
            return true;
          } catch (SQLException e) {
            throw storeException("scan", e);
          }
        }
      };
      return StreamSupport.stream(rows, false).onClose(() -> closeScan(connection, s, rs));
    } catch (SQLException e) {
      if (c != null) {
        try {
          c.close();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw storeException("scan", e);
    }
  }

  private void closeScan(Connection c, Statement s, ResultSet rs) {
    try (c; s; rs) {
      c.rollback();
      c.setReadOnly(false);
      c.setAutoCommit(true);
    } catch (SQLException e) {
      throw storeException("scan (close)", e);
    }
  }

  /**
   * Returns a check that borrows a connection and asks the driver whether it is valid (a round
   * trip, at most 2 s).
   *
   * @return the check, named after the repository
   */
  @Override
  public HealthCheck healthCheck() {
    return HealthCheck.of(name, () -> {
      try (Connection c = dataSource.getConnection()) {
        return c.isValid(2) ? Health.up().detail("table", table).build()
            : Health.down("connection not valid").detail("table", table).build();
      } catch (SQLException e) {
        return Health.down(e).detail("table", table).build();
      }
    });
  }

  /**
   * Closes the pool if this repository made it; a caller's {@link DataSource} is left open.
   * Idempotent.
   */
  @Override
  public void close() {
    if (ownsDataSource) {
      HikariPools.close(dataSource, "repository " + name);
    }
  }


  private String encode(T entity) {
    return new String(descriptor.codec().encode(entity), StandardCharsets.UTF_8);
  }

  /** Runs {@code work} on a connection from the pool, with an SQL failure reported as the operation's. */
  private <R> R onPooledConnection(String operation, SqlWork<R> work) {
    try (Connection c = dataSource.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw storeException(operation, e);
    }
  }


  /** Executes a query whose first column is a document and decodes every row. */
  private List<T> decodeAll(PreparedStatement query) throws SQLException {
    List<T> result = new ArrayList<>();
    try (ResultSet rs = query.executeQuery()) {
      while (rs.next()) {
        result.add(decode(rs.getString(1)));
      }
    }
    return result;
  }

  private T decode(String json) {
    return descriptor.codec().decode(json.getBytes(StandardCharsets.UTF_8));
  }

  private StoreException storeException(String operation, SQLException e) {
    return new StoreException("repository " + name + " (table " + table + "): " + operation + " failed: "
        + e.getMessage() + " [SQLState " + e.getSQLState() + ']', e);
  }

  @Override
  public String toString() {
    return "JdbcRepository[" + name + ", table=" + table + ']';
  }

  private void createSchema(@Nullable String schema, String bareTable) {
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      if (schema != null) {
        s.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
      }
      s.execute("CREATE TABLE IF NOT EXISTS " + table + " (id text PRIMARY KEY, version bigint NOT NULL, doc jsonb NOT NULL)");
      for (String field : descriptor.indexedFields()) {
        String index = bareTable + "_" + field.toLowerCase(java.util.Locale.ROOT) + "_idx";
        if (index.length() > 63) {
          index = "lk_idx_" + Long.toHexString(Hashing.hash(table + "." + field));
        }
        s.execute("CREATE INDEX IF NOT EXISTS " + index + " ON " + table + " ((doc->'" + field + "'))");
      }
    } catch (SQLException e) {
      throw storeException("create table", e);
    }
  }

  /**
   * Builds a {@link JdbcRepository}; not thread-safe.
   *
   * @param <ID> the id type
   * @param <T> the entity type
   */
  public static final class Builder<ID, T> {
    private final BuilderSettings settings = new BuilderSettings();
    private final EntityDescriptor<ID, T> descriptor;
    private @Nullable String table;
    private @Nullable String schema;
    private @Nullable String name;
    private @Nullable DataSource dataSource;
    private @Nullable String jdbcUrl;
    private @Nullable String user;
    private @Nullable String password;
    private int maximumPoolSize = DEFAULT_MAXIMUM_POOL_SIZE;
    private long connectionTimeoutMillis = DEFAULT_CONNECTION_TIMEOUT_MILLIS;
    private int fetchSize = DEFAULT_FETCH_SIZE;
    private boolean createTable = true;

    private Builder(EntityDescriptor<ID, T> descriptor) {
      this.descriptor = descriptor;
    }

    /**
     * Sets the table (required).
     *
     * @param table the table name
     * @return this builder
     * @throws NullPointerException if {@code table} is null
     * @throws IllegalArgumentException if it does not match {@code [a-z_][a-z0-9_]{0,62}}
     * @throws IllegalStateException if already set
     */
    public Builder<ID, T> table(String table) {
      Names.table("table", table);
      settings.requireUnset("table", this.table);
      this.table = table;
      return this;
    }

    /**
     * Sets the schema of the table; by default the connection's search path decides.
     *
     * @param schema the schema, created if absent when tables are created
     * @return this builder
     * @throws NullPointerException if {@code schema} is null
     * @throws IllegalArgumentException if it does not match {@code [a-z_][a-z0-9_]{0,62}}
     * @throws IllegalStateException if already set
     */
    public Builder<ID, T> schema(String schema) {
      Names.table("schema", schema);
      settings.requireUnset("schema", this.schema);
      this.schema = schema;
      return this;
    }

    /**
     * Sets the repository's name for messages and health checks; the default is the table.
     *
     * @param name the name
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     * @throws IllegalStateException if already set
     */
    public Builder<ID, T> name(String name) {
      Arguments.notBlank(name, "name");
      settings.requireUnset("name", this.name);
      this.name = name;
      return this;
    }

    /**
     * Uses a caller's data source (which the repository will not close).
     *
     * @param dataSource the data source
     * @return this builder
     * @throws NullPointerException if {@code dataSource} is null
     * @throws IllegalStateException if already set
     */
    public Builder<ID, T> dataSource(DataSource dataSource) {
      Objects.requireNonNull(dataSource, "dataSource");
      settings.requireUnset("dataSource", this.dataSource);
      this.dataSource = dataSource;
      return this;
    }

    /**
     * Makes a HikariCP pool for this JDBC URL (closed by {@link JdbcRepository#close()}).
     *
     * @param jdbcUrl a {@code jdbc:postgresql://} URL
     * @return this builder
     * @throws NullPointerException if {@code jdbcUrl} is null
     * @throws IllegalArgumentException if it is not a PostgreSQL JDBC URL
     * @throws IllegalStateException if already set
     */
    public Builder<ID, T> jdbcUrl(String jdbcUrl) {
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
    public Builder<ID, T> user(String user) {
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
    public Builder<ID, T> password(String password) {
      Objects.requireNonNull(password, "password");
      settings.requireUnset("password", this.password == null ? null : "(hidden)");
      this.password = password;
      return this;
    }

    /**
     * Sets the size of the pool made for {@link #jdbcUrl}.
     *
     * @param maximumPoolSize connections, default {@value #DEFAULT_MAXIMUM_POOL_SIZE}
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder<ID, T> maximumPoolSize(int maximumPoolSize) {
      Arguments.positive(maximumPoolSize, "maximumPoolSize");
      settings.requireUnset("maximumPoolSize", this.maximumPoolSize);
      this.maximumPoolSize = maximumPoolSize;
      return this;
    }

    /**
     * Sets how long a call waits for a connection from the pool made for {@link #jdbcUrl} before
     * it fails (HikariCP's {@code connectionTimeout}); HikariCP's minimum is 250 ms.
     *
     * @param timeout the wait, default {@value #DEFAULT_CONNECTION_TIMEOUT_MILLIS} ms
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if it is shorter than 250 ms
     * @throws IllegalStateException if already set
     */
    public Builder<ID, T> connectionTimeout(java.time.Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.toMillis() < 250) {
        throw new IllegalArgumentException("connectionTimeout must be >= 250 ms but was " + timeout);
      }
      settings.requireUnset("connectionTimeout", java.time.Duration.ofMillis(this.connectionTimeoutMillis));
      this.connectionTimeoutMillis = timeout.toMillis();
      return this;
    }

    /**
     * Sets how many rows {@link JdbcRepository#scan()} fetches per round trip.
     *
     * @param fetchSize rows, default {@value #DEFAULT_FETCH_SIZE}
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder<ID, T> fetchSize(int fetchSize) {
      Arguments.positive(fetchSize, "fetchSize");
      settings.requireUnset("fetchSize", this.fetchSize);
      this.fetchSize = fetchSize;
      return this;
    }

    /**
     * Sets whether {@link #build()} creates the schema, table and indexes if absent (default true).
     *
     * @param createTable whether to create them
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder<ID, T> createTable(boolean createTable) {
      settings.requireUnset("createTable", this.createTable);
      this.createTable = createTable;
      return this;
    }

    /**
     * Builds the repository, making the pool and the table if configured.
     *
     * @return the repository
     * @throws IllegalStateException if no table, or not exactly one of a data source and a JDBC
     *     URL, was given
     * @throws StoreException if the table cannot be created
     */
    public JdbcRepository<ID, T> build() {
      if (table == null) {
        throw new IllegalStateException("table(...) must be set");
      }
      if ((dataSource == null) == (jdbcUrl == null)) {
        throw new IllegalStateException("exactly one of dataSource(...) and jdbcUrl(...) must be set");
      }
      String qualified = schema == null ? table : schema + "." + table;
      boolean owns = dataSource == null;
      DataSource source = owns
          ? HikariPools.create("layerkit-store-" + qualified, Objects.requireNonNull(jdbcUrl), user, password, maximumPoolSize,
              connectionTimeoutMillis)
          : dataSource;
      JdbcRepository<ID, T> repository = new JdbcRepository<>(this, qualified, source, owns);
      if (createTable) {
        try {
          repository.createSchema(schema, table);
        } catch (RuntimeException e) {
          repository.close();
          throw e;
        }
      }
      return repository;
    }
  }
}
