package dev.layerkit.examples.orders;

import org.jspecify.annotations.Nullable;

/**
 * Stores orders, and an order change together with its event. In memory the event is published
 * after the write; on PostgreSQL ({@link OutboxOrderWriter}) the order and its event commit in
 * one transaction and a relay publishes the event, so a crash can never keep a change and lose
 * its event. The place-order saga ({@link PlaceOrderSaga}) inserts a new order without an event
 * and writes its {@code OrderPlaced} event only when it confirms the order.
 */
interface OrderWriter extends AutoCloseable {

  /** Inserts a new order, with no event, unless its id exists; returns whether it was inserted. */
  boolean insert(Order order);

  /** Saves an order read at its version (optimistic lock), with its event if there is one. */
  Order save(Order order, @Nullable OrderEvent changed);

  @Override
  default void close() {}
}
