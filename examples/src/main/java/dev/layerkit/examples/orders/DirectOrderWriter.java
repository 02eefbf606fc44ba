package dev.layerkit.examples.orders;

import dev.layerkit.events.EventPublisher;
import dev.layerkit.service.idempotency.Idempotency;
import dev.layerkit.service.idempotency.IdempotencyOutcome;
import dev.layerkit.service.idempotency.IdempotentResponse;
import dev.layerkit.service.idempotency.RequestFingerprint;
import dev.layerkit.store.Repository;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the order, then publishes its event: simple, and what the in-memory mode needs, but a
 * crash between the two keeps the change without its event ({@link OutboxOrderWriter} closes
 * that gap on PostgreSQL). Publish failures are logged and counted, never thrown at the caller.
 *
 * <p>A keyed order is inserted under {@link Idempotency} on its own key store (in memory, or
 * Redis beside MongoDB). The key store and the orders are two systems here: if the process dies
 * after the insert and before the response is stored, the key's claim lapses after the
 * in-flight timeout and a retry after that places the order again. {@link OutboxOrderWriter}
 * has no such window.
 */
final class DirectOrderWriter implements OrderWriter {

  private static final Logger LOG = LoggerFactory.getLogger(DirectOrderWriter.class);

  private final Repository<String, Order> orders;
  private final EventPublisher<OrderEvent> events;
  private final String topic;
  private final Idempotency idempotency;
  private final LongAdder publishFailures = new LongAdder();

  DirectOrderWriter(Repository<String, Order> orders, EventPublisher<OrderEvent> events, String topic,
      Idempotency idempotency) {
    this.orders = orders;
    this.events = events;
    this.topic = topic;
    this.idempotency = idempotency;
  }

  @Override
  public boolean insert(Order order, OrderEvent placed) {
    boolean inserted = orders.insertIfAbsent(order);
    if (inserted) {
      publish(placed);
    }
    return inserted;
  }

  @Override
  public IdempotencyOutcome insertOnce(String key, RequestFingerprint fingerprint, Order order,
      OrderEvent placed, Function<Order, IdempotentResponse> respond) {
    return idempotency.execute(key, fingerprint, () -> {
      if (!insert(order, placed)) {
        // A random 48-bit suffix within one millisecond: fail, which frees the key for a retry.
        throw new IllegalStateException("order id " + order.id() + " is taken");
      }
      return respond.apply(order);
    });
  }

  @Override
  public Order save(Order order, OrderEvent changed) {
    Order saved = orders.save(order);
    publish(changed);
    return saved;
  }

  long publishFailures() {
    return publishFailures.sum();
  }

  private void publish(OrderEvent event) {
    try {
      events.publish(topic, event.customerId(), event).whenComplete((receipt, failure) -> {
        if (failure != null) {
          publishFailures.increment();
          LOG.warn("could not publish {} of order {}", event.type(), event.orderId(), failure);
        }
      });
    } catch (RuntimeException e) {
      publishFailures.increment();
      LOG.warn("could not publish {} of order {}", event.type(), event.orderId(), e);
    }
  }
}
