package dev.layerkit.examples.orders;

/** Where an order is. */
public enum OrderStatus {
  /**
   * Being placed: the place-order saga runs (stock, payment). Not shown to anyone as placed, and
   * no event is published for it.
   */
  PENDING,
  /** Placed: the place-order saga reserved the stock and charged the payment. */
  PLACED,
  /** Paid. */
  PAID,
  /** Handed to the carrier. */
  SHIPPED,
  /** Arrived. */
  DELIVERED,
  /** Cancelled before shipping. */
  CANCELLED,
  /**
   * Not placed: a step of the place-order saga failed (out of stock, payment declined) and what
   * was done was undone; {@link Order#statusReason()} says why.
   */
  REJECTED
}
