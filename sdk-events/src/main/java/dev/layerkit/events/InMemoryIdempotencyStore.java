package dev.layerkit.events;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.time.TimeSource;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link IdempotencyStore#inMemory(TimeSource)}: a concurrent map from id to the claim's expiry
 * (on {@link TimeSource#nanoTime()}). A claim is one atomic {@code compute} on the id, so that
 * concurrent claims of one id give one winner. Every {@value #SWEEP_EVERY} claims sweep the
 * expired entries out.
 */
final class InMemoryIdempotencyStore implements IdempotencyStore {

  static final int SWEEP_EVERY = 1024;

  private final TimeSource time;
  private final ConcurrentMap<String, Long> expiries = new ConcurrentHashMap<>();
  private final AtomicInteger claims = new AtomicInteger();

  InMemoryIdempotencyStore(TimeSource time) {
    this.time = time;
  }

  @Override
  public boolean tryClaim(String id, Duration ttl) {
    Objects.requireNonNull(id, "id");
    Arguments.positive(ttl, "ttl");
    long now = time.nanoTime();
    long expiry = now + ttl.toNanos();
    boolean[] claimed = new boolean[1];
    expiries.compute(id, (key, current) -> {
      if (current == null || current - now <= 0) {
        claimed[0] = true;
        return expiry;
      }
      return current;
    });
    if ((claims.incrementAndGet() & (SWEEP_EVERY - 1)) == 0) {
      expiries.values().removeIf(e -> e - now <= 0);
    }
    return claimed[0];
  }

  @Override
  public void release(String id) {
    expiries.remove(Objects.requireNonNull(id, "id"));
  }

  int size() {
    return expiries.size();
  }

  @Override
  public String toString() {
    return "IdempotencyStore.inMemory{claims=" + expiries.size() + '}';
  }
}
