package dev.layerkit.examples.orders;

import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.events.Event;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The order-totals projection: per customer, the orders placed and cancelled and what they came
 * to, kept in PostgreSQL from the order events by the subscriber role ({@link
 * OrderTotalsSubscriber}) and read by its API.
 *
 * <h2>Each event applied once</h2>
 *
 * <p>Delivery is at least once: the outbox relay publishes an event again, with the same id, when
 * it dies between publishing and marking its row sent, and Kafka redelivers a partition's
 * uncommitted events to the next member after a rebalance (or to another pod of the group while
 * the old owner still finishes its batch). {@link #apply} therefore records the event's id in
 * {@code <namespace>_order_totals_events} and changes the totals <em>in the same transaction</em>:
 * an id already there means the event was applied, and it is skipped; the insert of a second
 * pod applying the same event at the same moment waits on the first one's row and then finds it.
 * This is the dashboard's handled-events idea ({@code IdempotencyStore}) made transactional: a
 * claim in Redis and a write in PostgreSQL cannot commit together, so a crash between them would
 * lose the event (claimed, not applied) or, released first, apply it twice. Ids are kept for
 * {@link #HANDLED_FOR} ({@link #purgeHandled}), far beyond any republish or redelivery.
 *
 * <p>Thread-safe: every call runs in its own connection and transaction.
 */
final class OrderTotals {

  /** How long an applied event's id is remembered: the order topic's retention (Kafka's default 7 days). */
  static final Duration HANDLED_FOR = Duration.ofDays(7);
  private static final Pattern NAMESPACE = Pattern.compile("[a-z][a-z0-9_]{0,30}");

  /**
   * One customer's totals.
   *
   * @param customerId the customer
   * @param orders orders placed
   * @param totalCents what the placed orders came to
   * @param cancelled of those, how many were cancelled since
   * @param cancelledCents what the cancelled ones came to
   */
  record CustomerTotals(String customerId, long orders, long totalCents, long cancelled, long cancelledCents) {}

  /**
   * Every customer's totals summed.
   *
   * @param customers customers with at least one order
   * @param orders orders placed
   * @param totalCents what they came to
   * @param cancelled of those, how many were cancelled since
   * @param eventsApplied events applied (placed and cancelled), each once
   */
  record Summary(long customers, long orders, long totalCents, long cancelled, long eventsApplied) {}

  private final DataSource dataSource;
  private final String totals;
  private final String handled;

  /**
   * Opens the projection, creating its tables if they do not exist.
   *
   * @param dataSource PostgreSQL
   * @param namespace the tables are {@code <namespace>_order_totals} and {@code <namespace>_order_totals_events}
   * @throws IllegalArgumentException if the namespace is not lower-case letters, digits and {@code _}
   * @throws SQLException if the tables cannot be created
   */
  OrderTotals(DataSource dataSource, String namespace) throws SQLException {
    if (!NAMESPACE.matcher(namespace).matches()) {
      throw new IllegalArgumentException("namespace must match " + NAMESPACE + " but was '" + namespace + "'");
    }
    this.dataSource = dataSource;
    this.totals = namespace + "_order_totals";
    this.handled = namespace + "_order_totals_events";
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE IF NOT EXISTS " + totals + " (customer_id TEXT PRIMARY KEY,"
          + " orders BIGINT NOT NULL, total_cents BIGINT NOT NULL, cancelled BIGINT NOT NULL,"
          + " cancelled_cents BIGINT NOT NULL, updated_at TIMESTAMPTZ NOT NULL DEFAULT now())");
      statement.execute("CREATE TABLE IF NOT EXISTS " + handled + " (event_id TEXT PRIMARY KEY,"
          + " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
      statement.execute("CREATE INDEX IF NOT EXISTS " + handled + "_applied_at ON " + handled + " (applied_at)");
    }
  }

  /**
   * Applies an order event to the totals unless it was applied before: {@code OrderPlaced} adds
   * an order and its total to its customer's, a change to {@link OrderStatus#CANCELLED} a
   * cancellation; other events change nothing and are not recorded.
   *
   * @param event the event, with the id it was published with
   * @return whether the totals changed; false for a duplicate or an event they do not count
   * @throws SQLException if PostgreSQL fails; nothing was applied then, and the event may be
   *     delivered again
   */
  boolean apply(Event<OrderEvent> event) throws SQLException {
    OrderEvent order = event.payload();
    boolean placed = OrderEvent.PLACED.equals(order.type());
    boolean cancelled = OrderEvent.STATUS_CHANGED.equals(order.type()) && order.status() == OrderStatus.CANCELLED;
    if (!placed && !cancelled) {
      return false;
    }
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try {
        int claimed;
        try (PreparedStatement claim = connection.prepareStatement(
            "INSERT INTO " + handled + " (event_id) VALUES (?) ON CONFLICT (event_id) DO NOTHING")) {
          claim.setString(1, event.id());
          claimed = claim.executeUpdate();
        }
        if (claimed == 0) {
          connection.rollback();
          return false;
        }
        try (PreparedStatement add = connection.prepareStatement("INSERT INTO " + totals
            + " AS t (customer_id, orders, total_cents, cancelled, cancelled_cents) VALUES (?, ?, ?, ?, ?)"
            + " ON CONFLICT (customer_id) DO UPDATE SET orders = t.orders + EXCLUDED.orders,"
            + " total_cents = t.total_cents + EXCLUDED.total_cents, cancelled = t.cancelled + EXCLUDED.cancelled,"
            + " cancelled_cents = t.cancelled_cents + EXCLUDED.cancelled_cents, updated_at = now()")) {
          add.setString(1, order.customerId());
          add.setLong(2, placed ? 1 : 0);
          add.setLong(3, placed ? order.totalCents() : 0);
          add.setLong(4, cancelled ? 1 : 0);
          add.setLong(5, cancelled ? order.totalCents() : 0);
          add.executeUpdate();
        }
        connection.commit();
        return true;
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    }
  }

  /**
   * Returns a customer's totals.
   *
   * @param customerId the customer
   * @return the totals, empty if no order of the customer was applied
   * @throws SQLException if PostgreSQL fails
   */
  Optional<CustomerTotals> customer(String customerId) throws SQLException {
    try (Connection connection = dataSource.getConnection(); PreparedStatement query = connection.prepareStatement(
        "SELECT orders, total_cents, cancelled, cancelled_cents FROM " + totals + " WHERE customer_id = ?")) {
      query.setString(1, customerId);
      try (ResultSet row = query.executeQuery()) {
        return row.next() ? Optional.of(new CustomerTotals(customerId, row.getLong(1), row.getLong(2), row.getLong(3),
            row.getLong(4))) : Optional.empty();
      }
    }
  }

  /**
   * Returns every customer's totals summed, and how many events were applied.
   *
   * @return the summary
   * @throws SQLException if PostgreSQL fails
   */
  Summary summary() throws SQLException {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery("SELECT count(*), coalesce(sum(orders), 0),"
            + " coalesce(sum(total_cents), 0), coalesce(sum(cancelled), 0), (SELECT count(*) FROM " + handled + ")"
            + " FROM " + totals)) {
      row.next();
      return new Summary(row.getLong(1), row.getLong(2), row.getLong(3), row.getLong(4), row.getLong(5));
    }
  }

  /**
   * Forgets the ids of events applied more than {@link #HANDLED_FOR} ago.
   *
   * @return how many were forgotten
   * @throws SQLException if PostgreSQL fails
   */
  int purgeHandled() throws SQLException {
    try (Connection connection = dataSource.getConnection(); PreparedStatement purge = connection.prepareStatement(
        "DELETE FROM " + handled + " WHERE applied_at < now() - make_interval(secs => ?)")) {
      purge.setLong(1, HANDLED_FOR.toSeconds());
      return purge.executeUpdate();
    }
  }

  /**
   * Returns a check that PostgreSQL answers the projection's queries.
   *
   * @return the check, named {@code order-totals}
   */
  HealthCheck healthCheck() {
    return HealthCheck.of("order-totals", () -> {
      try (Connection connection = dataSource.getConnection()) {
        return connection.isValid(2) ? Health.up().detail("table", totals).build()
            : Health.down("PostgreSQL does not answer").detail("table", totals).build();
      } catch (SQLException e) {
        return Health.down("PostgreSQL: " + e.getMessage()).detail("table", totals).build();
      }
    });
  }
}
