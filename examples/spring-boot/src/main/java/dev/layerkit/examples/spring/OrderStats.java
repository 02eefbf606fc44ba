package dev.layerkit.examples.spring;

import dev.layerkit.spring.events.LayerkitSubscriber;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;

/**
 * Revenue so far, from the {@code orders} topic: a consumer group of its own, run by the starter
 * while the application runs. Thread-safe.
 */
@Component
public class OrderStats {

  private final AtomicLong orders = new AtomicLong();
  private final AtomicLong cents = new AtomicLong();

  /** Created by Spring. */
  public OrderStats() {}

  /**
   * Counts an order.
   *
   * @param order the event's payload
   */
  @LayerkitSubscriber(topic = "orders", group = "stats")
  public void onOrderPlaced(OrderPlaced order) {
    orders.incrementAndGet();
    cents.addAndGet(order.cents());
  }

  /**
   * Returns the orders counted.
   *
   * @return the count
   */
  public long orders() {
    return orders.get();
  }

  /**
   * Returns the revenue counted.
   *
   * @return cents
   */
  public long cents() {
    return cents.get();
  }
}
