package dev.layerkit.examples.orders;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.hash.Hashing;
import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.OptimisticLockException;
import dev.layerkit.store.Repository;
import java.util.Optional;

/**
 * The payment service: a stand-in for a card processor that declines a configurable share of
 * charges ({@code --payment-failure-rate}). Each charge is one record in a {@link Repository} (in
 * memory, PostgreSQL or MongoDB), inserted if absent, so a charge retried with its key, on any
 * instance, is answered from the record and never taken twice.
 *
 * <p>Whether a charge is declined is a function of its key alone (a hash of the key against the
 * failure rate), not a coin tossed per call: a retry of a declined charge, even one that reaches
 * another instance before the first decline was stored, is declined again, as a real processor
 * answers a retried request the same way. Thread-safe.
 */
final class PaymentService implements Payments {

  /** How charges are stored: by key, with an optimistic version. */
  static final EntityDescriptor<String, Charge> CHARGES = EntityDescriptor.builder(Charge.class, Charge::key)
      .version(Charge::version, Charge::withVersion).codec(Codecs.json(Charge.class)).build();

  private final Repository<String, Charge> charges;
  /** Volatile: the chaos run raises it while charges are made. */
  private volatile double failureRate;

  /**
   * Serves charges from a repository.
   *
   * @param charges made with {@link #CHARGES}
   * @param failureRate the share of charges declined, 0 to 1
   * @throws IllegalArgumentException if the rate is outside 0 to 1
   */
  PaymentService(Repository<String, Charge> charges, double failureRate) {
    if (!(failureRate >= 0 && failureRate <= 1)) {
      throw new IllegalArgumentException("failureRate must be 0 to 1 but was " + failureRate);
    }
    this.charges = charges;
    this.failureRate = failureRate;
  }

  /**
   * Returns whether a charge with this key is declined at this failure rate.
   *
   * @param key the charge's key
   * @param failureRate the share declined
   * @return true if declined
   */
  static boolean declines(String key, double failureRate) {
    double position = (Hashing.hash(key) >>> 11) * 0x1.0p-53; // uniform in [0, 1)
    return position < failureRate;
  }

  /**
   * Changes the share of charges declined from now on (the chaos run's "fail payments"); a key
   * charged or declined before keeps its answer.
   *
   * @param rate 0 to 1
   * @throws IllegalArgumentException if the rate is outside 0 to 1
   */
  void failureRate(double rate) {
    if (!(rate >= 0 && rate <= 1)) {
      throw new IllegalArgumentException("failureRate must be 0 to 1 but was " + rate);
    }
    this.failureRate = rate;
  }

  /**
   * Returns the share of charges declined now.
   *
   * @return 0 to 1
   */
  double failureRate() {
    return failureRate;
  }

  /**
   * Counts the stored charges by status, for the chaos run's audit. Reads every charge.
   *
   * @return status to count
   */
  java.util.Map<String, Long> countByStatus() {
    java.util.Map<String, Long> counts = new java.util.TreeMap<>();
    for (Charge charge : charges.findAll(dev.layerkit.store.Filter.all())) {
      counts.merge(charge.status(), 1L, Long::sum);
    }
    return counts;
  }

  @Override
  public Charge charge(String key, String orderId, long amountCents) {
    if (amountCents < 1) {
      throw new IllegalArgumentException("amountCents must be >= 1 but was " + amountCents);
    }
    String status = declines(key, failureRate) ? Charge.DECLINED : Charge.CHARGED;
    Charge charge = new Charge(key, orderId, amountCents, status, 0);
    if (!charges.insertIfAbsent(charge)) {
      charge = charges.findById(key).orElseThrow(() -> new IllegalStateException("charge " + key + " vanished"));
      if (charge.status().equals(Charge.REFUNDED)) {
        throw ServiceRefusal.declined("charge '" + key + "' was refunded"
            + (charge.orderId().isEmpty() ? " before it was made" : ""));
      }
      if (charge.amountCents() != amountCents || !charge.orderId().equals(orderId)) {
        throw ServiceRefusal.keyReused(key);
      }
    }
    if (charge.status().equals(Charge.DECLINED)) {
      throw ServiceRefusal.declined("payment declined for order " + orderId);
    }
    return charge;
  }

  @Override
  public Charge refund(String key) {
    for (int attempt = 0; attempt < 10; attempt++) {
      Optional<Charge> stored = charges.findById(key);
      if (stored.isEmpty()) {
        Charge tombstone = new Charge(key, "", 0, Charge.REFUNDED, 0);
        if (charges.insertIfAbsent(tombstone)) {
          return tombstone;
        }
        continue;
      }
      Charge charge = stored.get();
      if (!charge.status().equals(Charge.CHARGED)) {
        return charge;
      }
      try {
        return charges.save(charge.withStatus(Charge.REFUNDED));
      } catch (OptimisticLockException e) {
        // Refunded concurrently: read it again.
      }
    }
    throw new IllegalStateException("charge " + key + " is being changed concurrently; try again");
  }

  @Override
  public Optional<Charge> find(String key) {
    return charges.findById(key);
  }
}
