package dev.layerkit.gateway.ratelimit;

/**
 * Decides whether a caller, identified by a key, may proceed now.
 *
 * <p>Each key has its own buckets, one per limit of the {@link #policy()}; a request is allowed
 * only if every limit has the permits, and then takes them from all of them at once (nothing is
 * taken on a denial). Implementations are thread-safe.
 *
 * <pre>{@code
 * RateLimiter limiter = RateLimiters.inMemory(RateLimitPolicy.builder()
 *     .limit(Limit.perMinute(100))
 *     .limit(Limit.perSecond(10))
 *     .build()).build();
 * RateLimitDecision decision = limiter.tryAcquire(apiKey);
 * if (!decision.allowed()) {
 *   respond(429, "Retry-After", decision.retryAfter().toSeconds() + 1);
 * }
 * }</pre>
 */
public interface RateLimiter {

  /**
   * Tries to take one permit for {@code key}.
   *
   * @param key who the request counts against; not empty
   * @return the decision
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if {@code key} is empty
   */
  default RateLimitDecision tryAcquire(String key) {
    return tryAcquire(key, 1);
  }

  /**
   * Tries to take {@code permits} permits for {@code key}, all or none.
   *
   * @param key who the request counts against; not empty
   * @param permits how many permits, from 1 to the smallest capacity of the policy's limits
   * @return the decision
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if {@code key} is empty, or {@code permits} is not positive
   *     or exceeds a limit's capacity (such a request could never be allowed)
   */
  RateLimitDecision tryAcquire(String key, long permits);

  /**
   * Returns the policy this limiter enforces.
   *
   * @return the policy
   */
  RateLimitPolicy policy();
}
