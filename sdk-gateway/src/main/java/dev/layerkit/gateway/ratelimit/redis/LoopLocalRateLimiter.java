package dev.layerkit.gateway.ratelimit.redis;

import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.gateway.ratelimit.RateLimitDecision;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A Redis rate limiter with a connection per event loop ({@link LoopConnections#rateLimiter}):
 * each decision goes to the {@link RedisRateLimiter} whose connection runs on the calling loop, so
 * that a gateway's request is decided, and resumed, on its own loop. A caller on no loop uses the
 * first loop's limiter, whose reply it then gets from that loop.
 *
 * <p>The limiters share the buckets in Redis (one policy, one key prefix), so the limits hold
 * across the loops exactly as across gateway instances; each limiter coalesces the decisions of
 * its loop per key, so a hot key has up to one script call in flight per loop. Their meters share
 * names and tags, so a registry counts them together.
 *
 * <p>Thread-safe; never blocks in {@link #tryAcquireAsync}. Closing the {@link LoopConnections}
 * ends it: decisions then take the limiters' fail mode.
 */
public final class LoopLocalRateLimiter implements RateLimiter {

  private final LoopConnections connections;
  private final RedisRateLimiter[] limiters;

  LoopLocalRateLimiter(LoopConnections connections, RedisRateLimiter[] limiters) {
    RedisRateLimiter first = limiters[0];
    for (RedisRateLimiter limiter : limiters) {
      if (!limiter.policy().equals(first.policy()) || !limiter.name().equals(first.name())
          || limiter.failMode() != first.failMode() || !limiter.keyPrefix().equals(first.keyPrefix())) {
        throw new IllegalArgumentException("the limiters of the loops must share one policy, name, fail"
            + " mode and key prefix, but one is " + limiter + " with key prefix " + limiter.keyPrefix()
            + " and another " + first + " with key prefix " + first.keyPrefix());
      }
    }
    this.connections = connections;
    this.limiters = limiters;
  }

  /**
   * Decides on the calling thread with the calling loop's limiter; see {@link
   * RedisRateLimiter#tryAcquire(String, long)}. Waits for Redis: never call it on an event loop.
   */
  @Override
  public RateLimitDecision tryAcquire(String key, long permits) {
    return current().tryAcquire(key, permits);
  }

  /**
   * Decides without blocking, with the calling loop's limiter; see {@link
   * RedisRateLimiter#tryAcquireAsync(String, long)}.
   */
  @Override
  public CompletionStage<RateLimitDecision> tryAcquireAsync(String key, long permits) {
    return current().tryAcquireAsync(key, permits);
  }

  private RedisRateLimiter current() {
    return limiters[connections.index()];
  }

  @Override
  public RateLimitPolicy policy() {
    return limiters[0].policy();
  }

  /**
   * Returns the limiters, one per loop, in the order of the loops.
   *
   * @return the limiters
   */
  public List<RedisRateLimiter> limiters() {
    return List.of(limiters);
  }

  /**
   * Returns a health check that pings Redis on every loop's connection and reports the worst
   * answer (see {@link RedisRateLimiter#healthCheck()}).
   *
   * @return the check, named as the limiters' checks
   */
  public HealthCheck healthCheck() {
    HealthCheck[] checks = new HealthCheck[limiters.length];
    for (int i = 0; i < checks.length; i++) {
      checks[i] = limiters[i].healthCheck();
    }
    return HealthCheck.of(checks[0].name(), () -> {
      Health worst = null;
      for (HealthCheck check : checks) {
        Health health = check.check();
        if (worst == null || health.status().compareTo(worst.status()) > 0) {
          worst = health;
        }
      }
      return worst;
    });
  }

  @Override
  public String toString() {
    return "LoopLocalRateLimiter[" + limiters[0] + " on " + limiters.length + " loops]";
  }
}
