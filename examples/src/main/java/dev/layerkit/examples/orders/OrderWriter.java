package dev.layerkit.examples.orders;

/**
 * Stores an order change together with its event. In memory the event is published after the
 * write; on PostgreSQL ({@link OutboxOrderWriter}) both commit in one transaction and a relay
 * publishes the event, so a crash can never keep a change and lose its event.
 */
interface OrderWriter extends AutoCloseable {

  /** Inserts a new order unless its id exists; returns whether it was inserted. */
  boolean insert(Order order, OrderEvent placed);

  /** Saves an order read at its version (optimistic lock), with its event. */
  Order save(Order order, OrderEvent changed);

  @Override
  default void close() {}
}
