package dev.layerkit.examples.orders;

/** Where an order is. */
public enum OrderStatus {
  /** Placed, not paid yet. */
  PLACED,
  /** Paid. */
  PAID,
  /** Handed to the carrier. */
  SHIPPED,
  /** Arrived. */
  DELIVERED,
  /** Cancelled before shipping. */
  CANCELLED
}
