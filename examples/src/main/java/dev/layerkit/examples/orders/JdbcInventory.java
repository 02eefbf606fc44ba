package dev.layerkit.examples.orders;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layerkit.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The inventory in PostgreSQL: a stock table (a row per product) and a reservations table (a row
 * per key). A reservation is one transaction: the key's row is locked or found absent, each
 * line's stock is taken with a conditional {@code UPDATE ... WHERE available >= quantity} (in
 * product order, as a release gives it back, so two transactions never wait on each other's
 * rows), and the reservation row is inserted; a line short of stock rolls everything back. So
 * stock and reservations always agree, whatever crashes when, and any number of inventory
 * instances may share the tables. Two requests with one new key race on the reservation row's
 * primary key: the loser rolls back and, on its second try, replays the winner's reservation.
 * Thread-safe.
 */
final class JdbcInventory implements Inventory {

  private static final Pattern NAMESPACE = Pattern.compile("[a-z][a-z0-9_]{0,30}");
  private static final String UNIQUE_VIOLATION = "23505";
  /** PostgreSQL's "deadlock detected" and "could not serialize": the transaction may simply run again. */
  private static final java.util.Set<String> TRANSIENT = java.util.Set.of("40P01", "40001");
  private static final TypeReference<List<Line>> LINES = new TypeReference<>() {};

  private final DataSource dataSource;
  private final String stock;
  private final String reservations;
  private final ObjectMapper json = new ObjectMapper();

  /**
   * Creates the tables if absent and stocks each catalog product not stocked yet.
   *
   * @param dataSource the database, owned by the caller
   * @param namespace the tables are {@code <namespace>_stock} and {@code <namespace>_reservations}
   * @param catalog the products
   * @param initialStock how many of each product a new table starts with
   * @throws IllegalArgumentException if the namespace is not lower-case letters, digits and {@code _}
   * @throws StoreException if the tables cannot be made
   */
  JdbcInventory(DataSource dataSource, String namespace, Catalog catalog, long initialStock) {
    if (!NAMESPACE.matcher(namespace).matches()) {
      throw new IllegalArgumentException("namespace must match " + NAMESPACE + " but was '" + namespace + "'");
    }
    this.dataSource = dataSource;
    this.stock = namespace + "_stock";
    this.reservations = namespace + "_reservations";
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE IF NOT EXISTS " + stock
          + " (sku text PRIMARY KEY, available bigint NOT NULL CHECK (available >= 0))");
      statement.execute("CREATE TABLE IF NOT EXISTS " + reservations
          + " (key text PRIMARY KEY, status text NOT NULL, lines text NOT NULL)");
      try (PreparedStatement insert = connection.prepareStatement(
          "INSERT INTO " + stock + " (sku, available) VALUES (?, ?) ON CONFLICT (sku) DO NOTHING")) {
        for (Catalog.Product product : catalog.products()) {
          insert.setString(1, product.sku());
          insert.setLong(2, initialStock);
          insert.addBatch();
        }
        insert.executeBatch();
      }
    } catch (SQLException e) {
      throw new StoreException("cannot create the inventory tables " + stock + " and " + reservations + ": "
          + e.getMessage(), e);
    }
  }

  @Override
  public Reservation reserve(String key, List<Line> lines) {
    List<Line> ordered = new ArrayList<>(lines);
    ordered.sort(Comparator.comparing(Line::sku));
    return transaction(connection -> {
      Reservation existing = lock(connection, key);
      if (existing != null) {
        return replay(existing, lines);
      }
      try (PreparedStatement take = connection.prepareStatement("UPDATE " + stock
          + " SET available = available - ? WHERE sku = ? AND available >= ?")) {
        for (Line line : ordered) {
          take.setLong(1, line.quantity());
          take.setString(2, line.sku());
          take.setLong(3, line.quantity());
          if (take.executeUpdate() == 0) {
            throw outOfStock(line, available(connection, line.sku()));
          }
        }
      }
      try (PreparedStatement insert = connection.prepareStatement(
          "INSERT INTO " + reservations + " (key, status, lines) VALUES (?, ?, ?)")) {
        insert.setString(1, key);
        insert.setString(2, Reservation.RESERVED);
        insert.setString(3, encode(lines));
        insert.executeUpdate();
      }
      return new Reservation(key, Reservation.RESERVED, lines);
    });
  }

  @Override
  public Reservation release(String key) {
    return transaction(connection -> {
      Reservation existing = lock(connection, key);
      if (existing == null) {
        // Released before it was reserved: the row keeps a late reservation from taking stock.
        try (PreparedStatement insert = connection.prepareStatement(
            "INSERT INTO " + reservations + " (key, status, lines) VALUES (?, ?, '[]')")) {
          insert.setString(1, key);
          insert.setString(2, Reservation.RELEASED);
          insert.executeUpdate();
        }
        return new Reservation(key, Reservation.RELEASED, List.of());
      }
      if (existing.status().equals(Reservation.RELEASED)) {
        return existing;
      }
      // In product order, as a reservation takes them: otherwise a release and a reservation of
      // the same products lock their rows in opposite orders and deadlock.
      List<Line> ordered = new ArrayList<>(existing.lines());
      ordered.sort(Comparator.comparing(Line::sku));
      try (PreparedStatement give = connection.prepareStatement(
          "UPDATE " + stock + " SET available = available + ? WHERE sku = ?")) {
        for (Line line : ordered) {
          give.setLong(1, line.quantity());
          give.setString(2, line.sku());
          give.executeUpdate();
        }
      }
      try (PreparedStatement mark = connection.prepareStatement(
          "UPDATE " + reservations + " SET status = ? WHERE key = ?")) {
        mark.setString(1, Reservation.RELEASED);
        mark.setString(2, key);
        mark.executeUpdate();
      }
      return new Reservation(key, Reservation.RELEASED, existing.lines());
    });
  }

  @Override
  public long available(String sku) {
    try (Connection connection = dataSource.getConnection()) {
      return available(connection, sku);
    } catch (SQLException e) {
      throw new StoreException("cannot read the stock of " + sku + ": " + e.getMessage(), e);
    }
  }

  private long available(Connection connection, String sku) throws SQLException {
    try (PreparedStatement select = connection.prepareStatement("SELECT available FROM " + stock + " WHERE sku = ?")) {
      select.setString(1, sku);
      try (ResultSet row = select.executeQuery()) {
        return row.next() ? row.getLong(1) : 0;
      }
    }
  }

  private @Nullable Reservation lock(Connection connection, String key) throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(
        "SELECT status, lines FROM " + reservations + " WHERE key = ? FOR UPDATE")) {
      select.setString(1, key);
      try (ResultSet row = select.executeQuery()) {
        return row.next() ? new Reservation(key, row.getString(1), decode(row.getString(2))) : null;
      }
    }
  }

  /** The answer to a reservation whose key is stored: the same reservation, or a refusal. */
  static Reservation replay(Reservation existing, List<Line> lines) {
    if (existing.status().equals(Reservation.RELEASED)) {
      throw ServiceRefusal.outOfStock("reservation '" + existing.key() + "' was released before it was made");
    }
    if (!existing.lines().equals(lines)) {
      throw ServiceRefusal.keyReused(existing.key());
    }
    return existing;
  }

  static ServiceRefusal outOfStock(Line line, long available) {
    return ServiceRefusal.outOfStock("out of stock: " + line.sku() + " has " + available + ", "
        + line.quantity() + " requested");
  }

  private interface Work<R> {
    R run(Connection connection) throws SQLException;
  }

  /**
   * Runs the work in a transaction, once more if a concurrent request with the same key won the
   * insert, and up to twice more if PostgreSQL chose it as a deadlock's victim (every transaction
   * here takes its stock rows in product order, so that takes a lock order this class does not
   * control, such as an operator's).
   */
  private <R> R transaction(Work<R> work) {
    for (int attempt = 1; ; attempt++) {
      try (Connection connection = dataSource.getConnection()) {
        connection.setAutoCommit(false);
        try {
          R result = work.run(connection);
          connection.commit();
          return result;
        } catch (SQLException | RuntimeException e) {
          connection.rollback();
          throw e;
        }
      } catch (SQLException e) {
        if ((UNIQUE_VIOLATION.equals(e.getSQLState()) || TRANSIENT.contains(e.getSQLState())) && attempt < 3) {
          continue;
        }
        throw new StoreException("inventory transaction failed: " + e.getMessage(), e);
      }
    }
  }

  private String encode(List<Line> lines) {
    try {
      return json.writeValueAsString(lines);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode reservation lines", e);
    }
  }

  private List<Line> decode(String text) throws SQLException {
    try {
      return json.readValue(text, LINES);
    } catch (JsonProcessingException e) {
      throw new SQLException("reservation lines are not valid JSON: " + text, e);
    }
  }
}
