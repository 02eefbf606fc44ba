package dev.layerkit.events;

/**
 * Handles one event. A handler that returns normally has handled the event: its offset may be
 * committed. A handler that throws is retried by the subscription's {@link RetryPolicy} and then
 * dead-lettered; it is never silently dropped.
 *
 * <p>Delivery is at least once: after a crash or a rebalance an event can be handled again. Wrap
 * the handler with {@link IdempotencyStore#idempotent(EventHandler, java.time.Duration)} for an
 * effect that must happen once per event id.
 *
 * <p>A subscription calls its handler from one thread at a time.
 *
 * @param <T> the payload type
 */
@FunctionalInterface
public interface EventHandler<T> {

  /**
   * Handles an event.
   *
   * @param event the event
   * @throws Exception to have the event retried and then dead-lettered
   */
  void handle(Event<T> event) throws Exception;
}
