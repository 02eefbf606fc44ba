package dev.layerkit.examples.orders;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The inventory in this JVM: the embedded mode's, and the inventory service's beside MongoDB
 * (one instance, its state lost on restart). One lock makes each reservation all-or-nothing;
 * thread-safe.
 */
final class MemoryInventory implements Inventory {

  private final Map<String, Long> stock = new HashMap<>();
  private final Map<String, Reservation> reservations = new HashMap<>();

  /**
   * Starts with {@code initialStock} of each catalog product.
   *
   * @param catalog the products
   * @param initialStock how many of each
   */
  MemoryInventory(Catalog catalog, long initialStock) {
    for (Catalog.Product product : catalog.products()) {
      stock.put(product.sku(), initialStock);
    }
  }

  @Override
  public synchronized Reservation reserve(String key, List<Line> lines) {
    Reservation existing = reservations.get(key);
    if (existing != null) {
      return JdbcInventory.replay(existing, lines);
    }
    for (Line line : lines) {
      long available = stock.getOrDefault(line.sku(), 0L);
      if (available < line.quantity()) {
        throw JdbcInventory.outOfStock(line, available);
      }
    }
    for (Line line : lines) {
      stock.merge(line.sku(), (long) -line.quantity(), Long::sum);
    }
    Reservation reserved = new Reservation(key, Reservation.RESERVED, lines);
    reservations.put(key, reserved);
    return reserved;
  }

  @Override
  public synchronized Reservation release(String key) {
    Reservation existing = reservations.get(key);
    if (existing != null && existing.status().equals(Reservation.RELEASED)) {
      return existing;
    }
    List<Line> lines = existing == null ? List.of() : existing.lines();
    for (Line line : lines) {
      stock.merge(line.sku(), (long) line.quantity(), Long::sum);
    }
    Reservation released = new Reservation(key, Reservation.RELEASED, lines);
    reservations.put(key, released);
    return released;
  }

  @Override
  public synchronized long available(String sku) {
    return stock.getOrDefault(sku, 0L);
  }
}
