package dev.layerkit.examples.spring;

import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.stereotype.Service;

/**
 * Prices from a slow source, cached in Layerkit's {@code prices} cache: with {@code sync = true},
 * concurrent misses of one product run {@link #price} once (across instances, with Redis).
 * Thread-safe.
 */
@Service
public class PriceService {

  private final AtomicInteger lookups = new AtomicInteger();

  /** Created by Spring. */
  public PriceService() {}

  /**
   * Returns a product's price in cents, looked up slowly on a cache miss.
   *
   * @param productId the product
   * @return the price in cents
   * @throws InterruptedException if interrupted during the lookup
   */
  @Cacheable(cacheNames = "prices", sync = true)
  public long price(String productId) throws InterruptedException {
    lookups.incrementAndGet();
    Thread.sleep(50); // a slow pricing backend
    return 1_000L + Math.floorMod(productId.hashCode(), 9_000);
  }

  /**
   * Drops every cached price, as a price list import would.
   */
  @CacheEvict(cacheNames = "prices", allEntries = true)
  public void reprice() {}

  /**
   * Returns how many slow lookups ran.
   *
   * @return the count
   */
  public int lookups() {
    return lookups.get();
  }
}
