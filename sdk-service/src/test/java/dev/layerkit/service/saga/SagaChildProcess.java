package dev.layerkit.service.saga;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.service.saga.OrderFixture.PlaceOrder;
import dev.layerkit.store.jdbc.JdbcRepository;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;

/**
 * The order saga with its state in PostgreSQL, as run by {@link SagaProcessKillIT}: in a child
 * JVM that is killed inside the second step, then resumed in the test's JVM. Each step's action
 * counts its calls per step key in a table, so the test can check that each step ran once.
 *
 * <p>Arguments: {@code jdbcUrl user password sagaTable effectsTable sagaId}; the child prints
 * {@value #CHARGE_STARTED} when the charge step starts and then hangs there until it is killed.
 */
public final class SagaChildProcess {

  static final String CHARGE_STARTED = "CHARGE-STARTED";
  static final Duration LEASE = Duration.ofMinutes(5);

  private SagaChildProcess() {}

  /**
   * Runs the saga until the charge step, and hangs there.
   *
   * @param args {@code jdbcUrl user password sagaTable effectsTable sagaId}
   */
  public static void main(String[] args) {
    Database db = new Database(args[0], args[1], args[2], args[4]);
    try (JdbcRepository<String, SagaRecord> repository = repository(db, args[3]);
        Saga<PlaceOrder> saga = definition(repository, db, true, TimeSource.system(), "child")) {
      saga.run(args[5], new PlaceOrder(args[5], "sku-1", 1250));
    }
  }

  static JdbcRepository<String, SagaRecord> repository(Database db, String table) {
    JdbcRepository.Builder<String, SagaRecord> builder = JdbcRepository.builder(SagaRecord.descriptor())
        .jdbcUrl(db.url).user(db.user).table(table).maximumPoolSize(2);
    if (!db.password.isEmpty()) {
      builder.password(db.password);
    }
    return builder.build();
  }

  static Saga<PlaceOrder> definition(JdbcRepository<String, SagaRecord> repository, Database db,
      boolean hangInCharge, TimeSource time, String instance) {
    return Saga.builder("place-order", repository, Codecs.json(PlaceOrder.class))
        .step("reserve-stock", c -> db.effect(c.stepKey()), c -> db.effect(c.stepKey() + "/undo"))
        .step("charge", c -> {
          if (hangInCharge) {
            System.out.println(CHARGE_STARTED);
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
          }
          return db.effect(c.stepKey());
        }, c -> db.effect(c.stepKey() + "/undo"))
        .step("confirm", c -> db.effect(c.stepKey()))
        .stepTimeout(Duration.ofMinutes(1))
        .lease(LEASE)
        .timeSource(time)
        .instanceId(instance)
        .build();
  }

  /** The effects table: one row per step key, with the number of calls. */
  static final class Database {
    final String url;
    final String user;
    final String password;
    final String effects;

    Database(String url, String user, String password, String effects) {
      this.url = url;
      this.user = user;
      this.password = password;
      this.effects = effects;
    }

    Connection connect() throws SQLException {
      return DriverManager.getConnection(url, user, password.isEmpty() ? null : password);
    }

    String effect(String stepKey) throws SQLException {
      try (Connection c = connect(); PreparedStatement insert = c.prepareStatement("INSERT INTO " + effects
          + " (step_key, calls) VALUES (?, 1) ON CONFLICT (step_key) DO UPDATE SET calls = " + effects + ".calls + 1")) {
        insert.setString(1, stepKey);
        insert.executeUpdate();
      }
      return stepKey;
    }
  }
}
