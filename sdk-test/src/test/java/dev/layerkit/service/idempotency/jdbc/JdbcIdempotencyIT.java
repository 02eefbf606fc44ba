package dev.layerkit.service.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.service.idempotency.Idempotency;
import dev.layerkit.service.idempotency.IdempotencyKeyStore;
import dev.layerkit.service.idempotency.IdempotencyKeyStores;
import dev.layerkit.service.idempotency.IdempotencyOutcome;
import dev.layerkit.service.idempotency.RequestFingerprint;
import dev.layerkit.store.StoreException;
import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestServers;
import dev.layerkit.test.service.IdempotencyStoreContract;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The idempotency contract on a real PostgreSQL ({@link TestServers#postgres()}), a table per
 * test in a schema of the class's own, plus the claim that joins the caller's transaction.
 */
@DisplayName("Idempotency on PostgreSQL")
class JdbcIdempotencyIT extends IdempotencyStoreContract {

  private static final AtomicInteger TABLES = new AtomicInteger();
  private static PostgresSchema schema;
  private static HikariDataSource dataSource;
  private JdbcIdempotencyKeyStore jdbcStore;

  @BeforeAll
  static void createSchema() throws Exception {
    schema = TestServers.postgres().createSchema("idempotency_it");
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(schema.jdbcUrl());
    config.setUsername(schema.user());
    if (schema.password() != null) {
      config.setPassword(schema.password());
    }
    config.setMaximumPoolSize(16);
    dataSource = new HikariDataSource(config);
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE " + schema.name() + ".orders (id text PRIMARY KEY, sku text NOT NULL)");
    }
  }

  @AfterAll
  static void closePool() {
    dataSource.close();
  }

  @Override
  protected IdempotencyKeyStore newStore() {
    jdbcStore = IdempotencyKeyStores.postgres(dataSource).schema(schema.name())
        .table("keys_" + TABLES.incrementAndGet()).build();
    return jdbcStore;
  }

  @Test
  void joinedClaimCommitsTheBusinessWriteAndTheStoredResponseTogether() throws Exception {
    RequestFingerprint fingerprint = RequestFingerprint.of("POST", "/orders", utf8("o-1"));
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      IdempotencyOutcome outcome = idempotency.using(jdbcStore.joining(c))
          .execute("tx-1", fingerprint, () -> insertOrder(c, "o-1"));
      c.commit();
      assertThat(outcome).isEqualTo(new IdempotencyOutcome.Executed(created(1)));
    }

    assertThat(orders("o-1")).isEqualTo(1);
    assertThat(idempotency.execute("tx-1", fingerprint, () -> created(2)))
        .isEqualTo(new IdempotencyOutcome.Replayed(created(1)));
  }

  @Test
  void rolledBackTransactionLeavesNeitherTheWriteNorTheClaim() throws Exception {
    RequestFingerprint fingerprint = RequestFingerprint.of("POST", "/orders", utf8("o-2"));
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      idempotency.using(jdbcStore.joining(c)).execute("tx-2", fingerprint, () -> insertOrder(c, "o-2"));
      c.rollback(); // as a crash before commit would
    }

    assertThat(orders("o-2")).isZero();
    assertThat(idempotency.execute("tx-2", fingerprint, () -> created(3)))
        .isEqualTo(new IdempotencyOutcome.Executed(created(3)));
  }

  @Test
  void concurrentJoinedRequestGets409AtOnceInsteadOfWaitingOnTheUncommittedRow() throws Exception {
    RequestFingerprint fingerprint = RequestFingerprint.of("POST", "/orders", utf8("o-3"));
    CountDownLatch claimed = new CountDownLatch(1);
    CountDownLatch commit = new CountDownLatch(1);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<?> first = pool.submit(() -> {
        try (Connection c = dataSource.getConnection()) {
          c.setAutoCommit(false);
          idempotency.using(jdbcStore.joining(c)).execute("tx-3", fingerprint, () -> {
            Latches.await(claimed, commit);
            return insertOrder(c, "o-3");
          });
          c.commit();
        }
        return null;
      });
      assertThat(claimed.await(10, TimeUnit.SECONDS)).isTrue();

      IdempotencyOutcome second;
      try (Connection c = dataSource.getConnection()) {
        c.setAutoCommit(false);
        second = idempotency.using(jdbcStore.joining(c)).execute("tx-3", fingerprint, () -> created(9));
        c.rollback();
      }
      commit.countDown();
      first.get(10, TimeUnit.SECONDS);

      assertThat(second).isInstanceOf(IdempotencyOutcome.InFlight.class);
      assertThat(orders("o-3")).isEqualTo(1);
    } finally {
      commit.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void purgeDeletesOnlyExpiredRows() {
    RequestFingerprint fingerprint = RequestFingerprint.of("POST", "/orders", utf8("p"));
    idempotency.execute("old", fingerprint, () -> created(1));
    time.advance(TTL);
    idempotency.execute("new", fingerprint, () -> created(2));

    assertThat(jdbcStore.purgeExpired(time.epochMillis())).isEqualTo(1);
    assertThat(idempotency.execute("new", fingerprint, () -> created(3)))
        .isEqualTo(new IdempotencyOutcome.Replayed(created(2)));
  }

  @Test
  void aDatabaseThatIsGoneFailsTheRequestWithoutRunningTheActionAndReportsDown() {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:postgresql://127.0.0.1:1/test");
    config.setUsername("nobody");
    config.setConnectionTimeout(250);
    config.setInitializationFailTimeout(-1);
    try (HikariDataSource gone = new HikariDataSource(config)) {
      JdbcIdempotencyKeyStore goneStore = JdbcIdempotencyKeyStore.builder(gone).createTable(false).build();
      Idempotency onGone = Idempotency.builder(goneStore).timeSource(time).build();
      AtomicInteger effects = new AtomicInteger();

      assertThatThrownBy(() -> onGone.execute("k", RequestFingerprint.of("POST", "/", new byte[0]), () -> {
        effects.incrementAndGet();
        return created(1);
      })).isInstanceOf(StoreException.class).hasMessageStartingWith("idempotency store layerkit_idempotency: claim of key k failed");
      assertThat(effects).hasValue(0);
      assertThat(goneStore.healthCheck().check().status()).isEqualTo(HealthStatus.DOWN);
      assertThat(jdbcStore.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
    }
  }

  @Test
  void badTableNameIsRejectedBeforeAnySql() {
    assertThatThrownBy(() -> JdbcIdempotencyKeyStore.builder(dataSource).table("keys; DROP TABLE x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("table must match [a-z_][a-z0-9_]* (at most 63 characters) but was 'keys; DROP TABLE x'");
  }

  private static dev.layerkit.service.idempotency.IdempotentResponse insertOrder(Connection c, String id) {
    try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + schema.name() + ".orders VALUES (?, 'sku')")) {
      insert.setString(1, id);
      insert.executeUpdate();
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
    return created(Integer.parseInt(id.substring(2)));
  }

  private static int orders(String id) throws Exception {
    try (Connection c = dataSource.getConnection();
        PreparedStatement count = c.prepareStatement("SELECT count(*) FROM " + schema.name() + ".orders WHERE id = ?")) {
      count.setString(1, id);
      try (ResultSet rows = count.executeQuery()) {
        rows.next();
        return rows.getInt(1);
      }
    }
  }

  /** Latch plumbing for the concurrent test. */
  private static final class Latches {
    static void await(CountDownLatch claimed, CountDownLatch commit) {
      claimed.countDown();
      try {
        if (!commit.await(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("commit latch never opened");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
