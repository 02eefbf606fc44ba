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
 */
public record Order(String id, String customerId, List<OrderItem> items, long totalCents,
    OrderStatus status, long createdAt, long version, @Nullable String statusReason) {

  /** Validates and copies. */
  public Order {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(customerId, "customerId");
    items = List.copyOf(items);
    Objects.requireNonNull(status, "status");
  }

  Order withStatus(OrderStatus newStatus) {
    return new Order(id, customerId, items, totalCents, newStatus, createdAt, version, null);
  }

  /** The order rejected by its saga, saying why. */
  Order rejected(String reason) {
    return new Order(id, customerId, items, totalCents, OrderStatus.REJECTED, createdAt, version, reason);
  }

  Order withVersion(long newVersion) {
    return new Order(id, customerId, items, totalCents, status, createdAt, newVersion, statusReason);
  }
}
