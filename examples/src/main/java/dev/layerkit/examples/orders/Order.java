package dev.layerkit.examples.orders;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An order, as stored (one document per order, sharded by id) and as the REST API shows it.
 *
 * @param id the order id
 * @param customerId who placed it
 * @param items what was ordered
 * @param totalCents the sum of the items' prices
 * @param status where the order is
 * @param createdAt when it was placed, epoch milliseconds (the sort key of a customer's orders)
 * @param version the optimistic-lock version the repository maintains
 * @param statusReason why the order is {@link OrderStatus#REJECTED} (the step of the place-order
 *     saga that failed, and how), or null
 * @param sagaId the id of the place-order saga that placed it, whose step keys name its stock
 *     reservation and charge (so a cancellation releases that stock); null for an order stored
 *     before orders kept it, whose saga then has the order's own id
 */
public record Order(String id, String customerId, List<OrderItem> items, long totalCents,
    OrderStatus status, long createdAt, long version, @Nullable String statusReason, @Nullable String sagaId) {

  /**
   * An order without its saga's id.
   *
   * @param id see the record
   * @param customerId see the record
   * @param items see the record
   * @param totalCents see the record
   * @param status see the record
   * @param createdAt see the record
   * @param version see the record
   * @param statusReason see the record
   */
  public Order(String id, String customerId, List<OrderItem> items, long totalCents, OrderStatus status,
      long createdAt, long version, @Nullable String statusReason) {
    this(id, customerId, items, totalCents, status, createdAt, version, statusReason, null);
  }

  /** Validates and copies. */
  public Order {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(customerId, "customerId");
    items = List.copyOf(items);
    Objects.requireNonNull(status, "status");
  }

  Order withStatus(OrderStatus newStatus) {
    return new Order(id, customerId, items, totalCents, newStatus, createdAt, version, null, sagaId);
  }

  /** The order rejected by its saga, saying why. */
  Order rejected(String reason) {
    return new Order(id, customerId, items, totalCents, OrderStatus.REJECTED, createdAt, version, reason, sagaId);
  }

  Order withVersion(long newVersion) {
    return new Order(id, customerId, items, totalCents, status, createdAt, newVersion, statusReason, sagaId);
  }

  /** The id of the saga that placed this order: the one stored, else the order's own (an unkeyed order's). */
  String placedBySaga() {
    return sagaId != null ? sagaId : id;
  }
}
