package dev.layerkit.examples.orders;

import java.util.List;
import java.util.Objects;

/**
 * Stock per product and the reservations held against it, each reservation made and released
 * at most once per key: the inventory service's contract, kept in memory ({@link
 * MemoryInventory}) or in PostgreSQL ({@link JdbcInventory}), and called over HTTP by the order
 * service ({@link InventoryClient}). Implementations are thread-safe.
 */
interface Inventory {

  /**
   * Takes the lines' quantities from the stock, all or none, under {@code key}. Again with the
   * same key and lines: the stored reservation, nothing taken twice.
   *
   * @param key the reservation's idempotency key (the saga's step key)
   * @param lines what to reserve, at least one line
   * @return the reservation, {@link Reservation#RESERVED}
   * @throws ServiceRefusal 409 if a product lacks stock (nothing is taken) or the key was
   *     released before it was reserved (a late retry after the compensation); 422 if the key
   *     was used with other lines
   */
  Reservation reserve(String key, List<Line> lines);

  /**
   * Gives a reservation's quantities back to the stock, once. A key never reserved is recorded as
   * released, so a reservation that arrives after its release (a timed-out call that still went
   * through) takes nothing.
   *
   * @param key the reservation's key
   * @return the reservation, {@link Reservation#RELEASED}
   */
  Reservation release(String key);

  /**
   * Returns how many of a product are in stock, reservations taken off.
   *
   * @param sku the product
   * @return the quantity; 0 for an unknown product
   */
  long available(String sku);

  /**
   * A line of a reservation.
   *
   * @param sku the product
   * @param quantity how many, at least 1
   */
  record Line(String sku, int quantity) {
    public Line {
      Objects.requireNonNull(sku, "sku");
      if (quantity < 1) {
        throw new IllegalArgumentException("quantity must be >= 1 but was " + quantity);
      }
    }
  }

  /**
   * A reservation as stored.
   *
   * @param key its key
   * @param status {@value #RESERVED} or {@value #RELEASED}
   * @param lines what it holds (empty for a key released before it was reserved)
   */
  record Reservation(String key, String status, List<Line> lines) {
    static final String RESERVED = "RESERVED";
    static final String RELEASED = "RELEASED";

    public Reservation {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(status, "status");
      lines = List.copyOf(lines);
    }
  }
}
