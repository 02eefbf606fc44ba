package dev.layerkit.test.store;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.store.EntityDescriptor;

/**
 * The entity {@link RepositoryContract} stores: an order with a customer (a natural shard key), an
 * amount, a status and a counter that concurrency tests increment. A backend under test stores it
 * through {@link #DESCRIPTOR} (or a descriptor of its own with the same id, version and indexes).
 *
 * <p>Immutable and thread-safe.
 *
 * @param id the id
 * @param customerId the customer
 * @param amountCents the amount
 * @param status the status
 * @param counter a counter
 * @param version the optimistic version
 */
public record TestOrder(String id, String customerId, long amountCents, String status, long counter, long version) {

  /** The descriptor: JSON codec, {@code customerId} and {@code status} indexed. */
  public static final EntityDescriptor<String, TestOrder> DESCRIPTOR =
      EntityDescriptor.builder(TestOrder.class, TestOrder::id)
          .version(TestOrder::version, TestOrder::withVersion)
          .codec(Codecs.json(TestOrder.class))
          .index("customerId", "status")
          .build();

  /**
   * Returns a new order at version 0.
   *
   * @param id the id
   * @param customerId the customer
   * @param amountCents the amount
   * @param status the status
   * @return the order
   */
  public static TestOrder of(String id, String customerId, long amountCents, String status) {
    return new TestOrder(id, customerId, amountCents, status, 0, 0);
  }

  /**
   * Returns a copy at another version.
   *
   * @param newVersion the version
   * @return the copy
   */
  public TestOrder withVersion(long newVersion) {
    return new TestOrder(id, customerId, amountCents, status, counter, newVersion);
  }

  /**
   * Returns a copy with another status.
   *
   * @param newStatus the status
   * @return the copy
   */
  public TestOrder withStatus(String newStatus) {
    return new TestOrder(id, customerId, amountCents, newStatus, counter, version);
  }

  /**
   * Returns a copy with the counter one higher.
   *
   * @return the copy
   */
  public TestOrder incremented() {
    return new TestOrder(id, customerId, amountCents, status, counter + 1, version);
  }
}
