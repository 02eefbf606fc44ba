package dev.layerkit.examples.orders;

import java.util.Objects;
import java.util.Optional;

/**
 * Charges and refunds, each at most once per key: the payment service's contract, kept by
 * {@link PaymentService} and called over HTTP by the order service ({@link PaymentClient}).
 * Implementations are thread-safe.
 */
interface Payments {

  /**
   * Charges an order's total under {@code key}. Again with the same key and amount: the stored
   * charge, not a second one.
   *
   * @param key the charge's idempotency key (the saga's step key)
   * @param orderId what is paid for
   * @param amountCents how much, at least 1
   * @return the charge, {@link Charge#CHARGED}
   * @throws ServiceRefusal 402 if the payment is declined (the same for every retry of the key),
   *     or the key was refunded before it was charged; 422 if the key was used for another amount
   */
  Charge charge(String key, String orderId, long amountCents);

  /**
   * Refunds a charge, once. A key never charged is recorded as refunded, so a charge that
   * arrives after its refund (a timed-out call that still went through) takes nothing.
   *
   * @param key the charge's key
   * @return the charge, {@link Charge#REFUNDED} (or {@link Charge#DECLINED} if it never went through)
   */
  Charge refund(String key);

  /**
   * Returns a charge.
   *
   * @param key its key
   * @return the charge, or empty
   */
  Optional<Charge> find(String key);

  /**
   * A charge as stored, one per key.
   *
   * @param key its key
   * @param orderId what it pays for (empty for a key refunded before it was charged)
   * @param amountCents how much
   * @param status {@value #CHARGED}, {@value #DECLINED} or {@value #REFUNDED}
   * @param version the repository's optimistic version
   */
  record Charge(String key, String orderId, long amountCents, String status, long version) {
    static final String CHARGED = "CHARGED";
    static final String DECLINED = "DECLINED";
    static final String REFUNDED = "REFUNDED";

    public Charge {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(orderId, "orderId");
      Objects.requireNonNull(status, "status");
    }

    Charge withStatus(String newStatus) {
      return new Charge(key, orderId, amountCents, newStatus, version);
    }

    Charge withVersion(long newVersion) {
      return new Charge(key, orderId, amountCents, status, newVersion);
    }
  }
}
