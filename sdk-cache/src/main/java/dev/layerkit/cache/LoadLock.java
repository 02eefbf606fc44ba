package dev.layerkit.cache;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A lock across processes that lets one of them load a missing key while the others wait for its
 * result: distributed single-flight for {@link CacheAside}.
 *
 * <p>Locks are leases: a holder that dies loses the lock when the lease time passes, so no key is
 * blocked forever. Implementations are thread-safe and must not throw for an unreachable server:
 * they return a lease that locks nothing (every process then loads for itself, which is what
 * happens without a lock) rather than stall loads.
 */
public interface LoadLock {

  /**
   * Tries once, without waiting, to take the lock on {@code key}.
   *
   * @param key the key, as a string
   * @param leaseTime how long the lock holds if it is never released
   * @return the lease, or null if another holder has it
   * @throws NullPointerException if an argument is null
   */
  @Nullable Lease tryAcquire(String key, Duration leaseTime);

  /** A held lock; {@link #close()} releases it if it is still this holder's. */
  interface Lease extends AutoCloseable {

    /** Releases the lock if this lease still holds it; never throws. */
    @Override
    void close();
  }
}
