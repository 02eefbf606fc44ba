package dev.layerkit.examples.orders;

import dev.layerkit.service.idempotency.IdempotencyOutcome;
import dev.layerkit.service.idempotency.IdempotentResponse;
import dev.layerkit.service.idempotency.RequestFingerprint;
import java.util.function.Function;

/**
 * Stores an order change together with its event, and a keyed new order together with the
 * response that reports it. In memory the event is published after the write; on PostgreSQL
 * ({@link OutboxOrderWriter}) the order, its event and its stored response commit in one
 * transaction and a relay publishes the event, so a crash can never keep a change and lose its
 * event, or keep an order and lose the answer a retry must get.
 */
interface OrderWriter extends AutoCloseable {

  /** Inserts a new order unless its id exists; returns whether it was inserted. */
  boolean insert(Order order, OrderEvent placed);

  /**
   * Inserts a new order with its event at most once per {@code Idempotency-Key}, under the IETF
   * draft's rules (see {@link dev.layerkit.service.idempotency.Idempotency}): the first request
   * with the key inserts and stores the response {@code respond} makes of the order; a retry with
   * the same fingerprint gets that response replayed, one with another fingerprint a 422, one
   * while the first still runs a 409 with {@code Retry-After}. A failed insert releases the key.
   *
   * @param key the client's idempotency key
   * @param fingerprint the request's method, path and body
   * @param order the new order, inserted only if the key is free
   * @param placed its event
   * @param respond the response to store and return for the inserted order
   * @return what was done, and the response to send
   */
  IdempotencyOutcome insertOnce(String key, RequestFingerprint fingerprint, Order order, OrderEvent placed,
      Function<Order, IdempotentResponse> respond);

  /** Saves an order read at its version (optimistic lock), with its event. */
  Order save(Order order, OrderEvent changed);

  @Override
  default void close() {}
}
