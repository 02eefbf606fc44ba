package dev.layerkit.benchmarks.state;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.store.EntityDescriptor;

/**
 * The entity of the store benchmarks: a small order, JSON-encoded.
 *
 * @param id the id
 * @param customerId the customer
 * @param amountCents the amount
 * @param status the status
 * @param version the optimistic version
 */
public record StoreOrder(String id, String customerId, long amountCents, String status, long version) {

  /** The descriptor every store benchmark uses. */
  public static final EntityDescriptor<String, StoreOrder> DESCRIPTOR =
      EntityDescriptor.builder(StoreOrder.class, StoreOrder::id)
          .version(StoreOrder::version, StoreOrder::withVersion)
          .codec(Codecs.json(StoreOrder.class))
          .index("customerId")
          .build();

  /**
   * Returns order {@code i} at version 1.
   *
   * @param i the order's number
   * @return the order
   */
  public static StoreOrder number(int i) {
    return new StoreOrder("order-" + i, "customer-" + i % 1_000, 100L * i, i % 2 == 0 ? "NEW" : "PAID", 1);
  }

  /**
   * Returns a copy at another version.
   *
   * @param newVersion the version
   * @return the copy
   */
  public StoreOrder withVersion(long newVersion) {
    return new StoreOrder(id, customerId, amountCents, status, newVersion);
  }
}
