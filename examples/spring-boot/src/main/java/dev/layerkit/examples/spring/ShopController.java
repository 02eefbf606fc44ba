package dev.layerkit.examples.spring;

import dev.layerkit.events.EventPublisher;
import dev.layerkit.spring.ratelimit.RateLimited;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The HTTP API. {@code /products/**} is limited per client IP by the starter's filter (the rule in
 * {@code application.properties}); {@code /reports} by its annotation. Over the limit, the answer
 * is 429 with {@code Retry-After} and {@code RateLimit-*} headers.
 */
@RestController
public class ShopController {

  private final PriceService prices;
  private final EventPublisher<Object> events;
  private final OrderStats stats;

  /**
   * Created by Spring.
   *
   * @param prices the cached prices
   * @param events the starter's publisher
   * @param stats the order statistics
   */
  public ShopController(PriceService prices, EventPublisher<Object> events, OrderStats stats) {
    this.prices = prices;
    this.events = events;
    this.stats = stats;
  }

  /**
   * Returns a product with its price.
   *
   * @param id the product
   * @return the product
   * @throws InterruptedException if interrupted during a price lookup
   */
  @GetMapping("/products/{id}")
  public Map<String, Object> product(@PathVariable("id") String id) throws InterruptedException {
    return Map.of("id", id, "cents", prices.price(id));
  }

  /**
   * Places an order for a product and publishes {@link OrderPlaced}. Outside {@code /products/**},
   * so not under the product rule.
   *
   * @param id the product
   * @return 202 with the order's id; the statistics count it once the event is handled
   * @throws InterruptedException if interrupted during a price lookup
   */
  @PostMapping("/orders/{productId}")
  public ResponseEntity<Map<String, Object>> order(@PathVariable("productId") String id) throws InterruptedException {
    OrderPlaced order = new OrderPlaced(UUID.randomUUID().toString(), id, prices.price(id));
    events.publish("orders", order.orderId(), order).join();
    return ResponseEntity.status(HttpStatus.ACCEPTED).body(Map.of("orderId", order.orderId()));
  }

  /**
   * Returns the order statistics; limited by annotation to the {@code reports} limiter.
   *
   * @return the statistics
   */
  @RateLimited("reports")
  @GetMapping("/reports")
  public Map<String, Object> report() {
    return Map.of("orders", stats.orders(), "cents", stats.cents(), "priceLookups", prices.lookups());
  }
}
