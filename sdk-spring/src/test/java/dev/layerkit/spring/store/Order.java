package dev.layerkit.spring.store;

import dev.layerkit.store.EntityDescriptor;

/** The entity of the store tests. */
public record Order(String id, String customer, long cents, long version) {

  /** Its descriptor. */
  public static final EntityDescriptor<String, Order> DESCRIPTOR = EntityDescriptor.builder(Order.class, Order::id)
      .version(Order::version, Order::withVersion)
      .index("customer")
      .build();

  Order withVersion(long newVersion) {
    return new Order(id, customer, cents, newVersion);
  }
}
