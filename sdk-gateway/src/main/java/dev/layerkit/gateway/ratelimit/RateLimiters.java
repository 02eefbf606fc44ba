package dev.layerkit.gateway.ratelimit;

/**
 * Entry points for {@link RateLimiter}s.
 *
 * <ul>
 *   <li>{@link #inMemory(RateLimitPolicy)}: per-process limits, no dependencies, allocation-free
 *       decisions; {@link InMemoryRateLimiter#builder(RateLimitPolicy)} for options.</li>
 *   <li>{@code RedisRateLimiter.builder(...)} in {@code dev.layerkit.gateway.ratelimit.redis}:
 *       limits shared across processes, one Redis round trip per decision (needs
 *       {@code io.lettuce:lettuce-core} on the class path).</li>
 * </ul>
 */
public final class RateLimiters {

  private RateLimiters() {}

  /**
   * Returns an in-memory limiter with default options: the system clock, at most
   * {@value InMemoryRateLimiter#DEFAULT_MAXIMUM_KEYS} keys, no metrics.
   *
   * @param policy the policy
   * @return the limiter
   * @throws NullPointerException if {@code policy} is null
   */
  public static RateLimiter inMemory(RateLimitPolicy policy) {
    return InMemoryRateLimiter.builder(policy).build();
  }
}
