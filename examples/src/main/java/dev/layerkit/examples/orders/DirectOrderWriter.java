package dev.layerkit.examples.orders;

import dev.layerkit.events.EventPublisher;
import dev.layerkit.store.Repository;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the order, then publishes its event: simple, and what the in-memory mode needs, but a
 * crash between the two keeps the change without its event ({@link OutboxOrderWriter} closes
 * that gap on PostgreSQL). Publish failures are logged and counted, never thrown at the caller.
 */
final class DirectOrderWriter implements OrderWriter {

  private static final Logger LOG = LoggerFactory.getLogger(DirectOrderWriter.class);

  private final Repository<String, Order> orders;
  private final EventPublisher<OrderEvent> events;
  private final String topic;
  private final LongAdder publishFailures = new LongAdder();

  DirectOrderWriter(Repository<String, Order> orders, EventPublisher<OrderEvent> events, String topic) {
    this.orders = orders;
    this.events = events;
    this.topic = topic;
  }

  @Override
  public boolean insert(Order order) {
    return orders.insertIfAbsent(order);
  }

  @Override
  public Order save(Order order, @Nullable OrderEvent changed) {
    Order saved = orders.save(order);
    if (changed != null) {
      publish(changed);
    }
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
