package dev.layerkit.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.layerkit.store.StoreException;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Keeps HikariCP's classes out of {@link JdbcRepository} and {@link JdbcShardMapStore}, so a
 * caller's own DataSource needs no HikariCP; closes the pools they made.
 */
final class HikariPools {

  private HikariPools() {}

  static DataSource create(String poolName, String jdbcUrl, @Nullable String user, @Nullable String password,
      int maximumPoolSize, long connectionTimeoutMillis) {
    HikariConfig config = new HikariConfig();
    config.setPoolName(poolName);
    config.setJdbcUrl(jdbcUrl);
    if (user != null) {
      config.setUsername(user);
    }
    if (password != null) {
      config.setPassword(password);
    }
    config.setMaximumPoolSize(maximumPoolSize);
    config.setConnectionTimeout(connectionTimeoutMillis);
    return new HikariDataSource(config);
  }

  /** Checks a builder's {@code jdbcUrl}: not null, and a PostgreSQL JDBC URL. */
  static String requirePostgresUrl(String jdbcUrl) {
    java.util.Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("jdbcUrl must start with jdbc:postgresql: but was '" + jdbcUrl + "'");
    }
    return jdbcUrl;
  }

  /** Closes a pool a repository or store made; a failure names {@code owner}. */
  static void close(DataSource pool, String owner) {
    if (pool instanceof AutoCloseable) {
      try {
        ((AutoCloseable) pool).close();
      } catch (Exception e) {
        throw new StoreException(owner + ": cannot close its pool: " + e.getMessage(), e);
      }
    }
  }
}
