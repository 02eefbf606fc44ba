package dev.layerkit.spring.it;

import dev.layerkit.spring.ratelimit.RateLimited;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** A small application on the starter, servlet or WebFlux as the test's properties say. */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableCaching
public class DemoApplication {

  /** Counts calls of the cached method across every context of the JVM. */
  public static final AtomicInteger PRICE_LOADS = new AtomicInteger();

  /** Counts orders placed, across every context of the JVM. */
  public static final AtomicInteger ORDERS_PLACED = new AtomicInteger();

  /** Counts calls of the unlimited endpoint, to see each request reach it exactly once. */
  public static final AtomicInteger FREE_CALLS = new AtomicInteger();

  @Bean
  PriceService priceService() {
    return new PriceService();
  }

  /** Registered as a member class of this configuration. */
  @RestController
  static class OrdersController {
    @GetMapping("/orders/{id}")
    String order(@PathVariable("id") String id) {
      return "order " + id;
    }

    @PostMapping("/orders")
    ResponseEntity<String> place(@RequestBody String body) {
      int number = ORDERS_PLACED.incrementAndGet();
      return ResponseEntity.status(201).header("Location", "/orders/" + number).body("placed " + body);
    }

    @RateLimited("reports")
    @GetMapping("/reports")
    String reports() {
      return "report";
    }

    @GetMapping("/free")
    String free() {
      FREE_CALLS.incrementAndGet();
      return "free";
    }
  }

  /** A slow lookup cached with single flight. */
  public static class PriceService {
    @Cacheable(cacheNames = "prices", sync = true)
    public String price(String sku) throws InterruptedException {
      PRICE_LOADS.incrementAndGet();
      Thread.sleep(300); // a slow backend: keeps the load in flight while the other callers arrive
      return "price-of-" + sku;
    }
  }
}
