package dev.layerkit.store.sharding;

import dev.layerkit.store.Repository;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One shard: a primary, its read replicas, its circuit breaker, and what this instance knows of
 * its recent writes. Identity matters: a repository that is in both topologies of a rebalance is
 * the same {@code Shard} object in both. Made by {@link ShardHealth#newShard}.
 *
 * @param <ID> the id type
 * @param <T> the entity type
 */
final class Shard<ID, T> {

  /** The value of {@link #lastWrite} before the first write. */
  static final long NEVER = Long.MIN_VALUE;

  final Repository<ID, T> primary;
  final List<Repository<ID, T>> replicas;
  /** Trips on the primary's failures; null when {@code unavailableFor} is zero (no breaker). */
  final @Nullable CircuitBreaker breaker;
  /** When this instance last wrote to the shard, on the time source, or {@link #NEVER}. */
  final AtomicLong lastWrite = new AtomicLong(NEVER);
  final AtomicInteger nextReplica = new AtomicInteger();
  /** The failure that last opened the breaker, for messages and health details. */
  volatile @Nullable RuntimeException lastFailure;
  /**
   * The breaker's slow-call threshold in nanoseconds: a successful call that took longer counts as
   * slow (Resilience4j's default of 60 s); {@link Long#MAX_VALUE} without a breaker.
   */
  final long slowCallNanos;

  Shard(Repository<ID, T> primary, List<Repository<ID, T>> replicas, @Nullable CircuitBreaker breaker) {
    this.primary = primary;
    this.replicas = List.copyOf(replicas);
    this.breaker = breaker;
    this.slowCallNanos = breaker == null ? Long.MAX_VALUE
        : breaker.getCircuitBreakerConfig().getSlowCallDurationThreshold().toNanos();
  }
}
