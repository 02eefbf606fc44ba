package dev.layerkit.events;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.time.TimeSource;
import java.time.Duration;
import java.util.Objects;

/**
 * Remembers which event ids have had their effect, for a time, so that a handler's effect happens
 * once per event even though delivery is at least once (Kafka redelivers after a crash, a
 * rebalance or an outbox relay's republish).
 *
 * <p>The usual use is {@link #idempotent(EventHandler, Duration)}: the wrapped handler claims the
 * event id first, skips the event if the id was already claimed, and releases the claim if the
 * effect fails so that the retry can run it. The TTL must cover the longest redelivery window
 * (retention of unconsumed events, outbox relay lag).
 *
 * <p>Limits: a claim and an effect in different systems are not atomic. If the process dies
 * after the claim and before the effect completes, the claim stays until its TTL and a redelivery
 * within it is skipped; where that matters, make the effect and the claim one transaction (for
 * example the effect's own table with the event id as primary key). Implementations: {@link
 * #inMemory(TimeSource)} for one process, {@code dev.layerkit.events.redis.RedisIdempotencyStore}
 * (Redis {@code SET NX PX}) shared by every instance.
 *
 * <p>Implementations are thread-safe; two concurrent claims of one id give exactly one {@code
 * true}.
 */
public interface IdempotencyStore {

  /**
   * Claims an id for {@code ttl} if no unexpired claim exists.
   *
   * @param id the event id
   * @param ttl how long the claim lasts, more than zero
   * @return true if this call made the claim; false if the id was already claimed
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code ttl} is zero or negative
   * @throws RuntimeException from a remote store that cannot be reached; the handler then fails
   *     and is retried, so that no effect is skipped for want of the store
   */
  boolean tryClaim(String id, Duration ttl);

  /**
   * Removes a claim, so that the next delivery of the event runs its effect.
   *
   * @param id the event id
   * @throws NullPointerException if {@code id} is null
   */
  void release(String id);

  /**
   * Wraps a handler so that its effect runs at most once per event id within {@code ttl}: an event
   * whose id is claimed is skipped (and committed); a failing effect releases its claim and
   * rethrows, so the retry policy applies as usual.
   *
   * @param handler the handler with the effect
   * @param ttl how long an id is remembered
   * @param <T> the payload type
   * @return the idempotent handler
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code ttl} is zero or negative
   */
  default <T> EventHandler<T> idempotent(EventHandler<T> handler, Duration ttl) {
    Objects.requireNonNull(handler, "handler");
    Arguments.positive(ttl, "ttl");
    return event -> {
      if (!tryClaim(event.id(), ttl)) {
        return;
      }
      try {
        handler.handle(event);
      } catch (Exception | Error e) {
        release(event.id());
        throw e;
      }
    };
  }

  /**
   * Returns a store in this process's memory whose claims expire on {@code timeSource}. Expired
   * claims are removed as new claims arrive, so memory is bounded by the claims made within one
   * TTL.
   *
   * @param timeSource the clock of the TTLs ({@code ManualTimeSource} in tests)
   * @return the store
   * @throws NullPointerException if {@code timeSource} is null
   */
  static IdempotencyStore inMemory(TimeSource timeSource) {
    return new InMemoryIdempotencyStore(Objects.requireNonNull(timeSource, "timeSource"));
  }

  /**
   * Returns a store in this process's memory on the system clock.
   *
   * @return the store
   */
  static IdempotencyStore inMemory() {
    return inMemory(TimeSource.system());
  }
}
