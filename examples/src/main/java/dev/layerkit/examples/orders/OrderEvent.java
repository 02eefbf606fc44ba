package dev.layerkit.examples.orders;

/**
 * What the order service publishes: {@code OrderPlaced} and {@code OrderStatusChanged}, keyed by
 * customer so that one customer's events stay in order.
 *
 * @param type {@code OrderPlaced} or {@code OrderStatusChanged}
 * @param orderId the order
 * @param customerId its customer
 * @param status the status after the change
 * @param totalCents the order's total
 * @param at when it happened, epoch milliseconds
 */
public record OrderEvent(String type, String orderId, String customerId, OrderStatus status,
    long totalCents, long at) {

  static final String PLACED = "OrderPlaced";
  static final String STATUS_CHANGED = "OrderStatusChanged";
}
