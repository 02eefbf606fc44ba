package dev.layerkit.service.idempotency;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * An {@link IdempotencyKeyStore} in one process's memory.
 *
 * <p>Concurrency: each key's record is replaced only inside {@link ConcurrentHashMap#compute}, so
 * a claim, a completion and a release of one key are serialized by the map's bin lock and never
 * block other keys. Records are immutable.
 *
 * <p>Memory: expired records are dropped when their key is claimed again, and by a sweep over the
 * map every {@value #SWEEP_EVERY} claims, so the map holds about the keys of one TTL.
 */
final class InMemoryIdempotencyKeyStore implements IdempotencyKeyStore {

  static final int SWEEP_EVERY = 1024;

  private final String name;
  private final ConcurrentHashMap<String, Record> records = new ConcurrentHashMap<>();
  private final AtomicLong claims = new AtomicLong();

  private record Record(ClaimResult.State state, RequestFingerprint fingerprint, String token,
      long expiresAtMillis, @Nullable IdempotentResponse response) {}

  InMemoryIdempotencyKeyStore(String name) {
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public ClaimResult claim(String key, RequestFingerprint fingerprint, String token, long nowMillis, long leaseMillis) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(fingerprint, "fingerprint");
    Objects.requireNonNull(token, "token");
    if (claims.incrementAndGet() % SWEEP_EVERY == 0) {
      records.values().removeIf(record -> record.expiresAtMillis() <= nowMillis);
    }
    Record mine = new Record(ClaimResult.State.IN_FLIGHT, fingerprint, token, nowMillis + leaseMillis, null);
    Record now = records.compute(key, (k, held) -> held == null || held.expiresAtMillis() <= nowMillis ? mine : held);
    if (now == mine) {
      return ClaimResult.acquired();
    }
    if (now.state() == ClaimResult.State.COMPLETED) {
      return ClaimResult.completed(now.fingerprint(), Objects.requireNonNull(now.response()), now.expiresAtMillis());
    }
    return ClaimResult.inFlight(now.fingerprint(), now.expiresAtMillis());
  }

  @Override
  public boolean complete(String key, String token, IdempotentResponse response, long nowMillis, long ttlMillis) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(response, "response");
    boolean[] stored = new boolean[1];
    records.computeIfPresent(key, (k, held) -> {
      if (held.state() != ClaimResult.State.IN_FLIGHT || !held.token().equals(token)) {
        return held;
      }
      stored[0] = true;
      return new Record(ClaimResult.State.COMPLETED, held.fingerprint(), token, nowMillis + ttlMillis, response);
    });
    return stored[0];
  }

  @Override
  public void release(String key, String token) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(token, "token");
    records.computeIfPresent(key, (k, held) ->
        held.state() == ClaimResult.State.IN_FLIGHT && held.token().equals(token) ? null : held);
  }

  /** Returns how many records are held, expired ones included, for tests. */
  int size() {
    return records.size();
  }

  @Override
  public String toString() {
    return "InMemoryIdempotencyKeyStore{name=" + name + ", keys=" + records.size() + '}';
  }
}
