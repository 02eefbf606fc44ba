package dev.layerkit.service.grpc;

import dev.layerkit.core.time.TimeSource;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import dev.layerkit.gateway.ratelimit.RateLimiters;

/**
 * The one place these tests build a limiter (on main it is
 * {@code RateLimiters.inMemory(policy).timeSource(time).build()}).
 */
final class TestLimiters {

  private TestLimiters() {}

  static RateLimiter perSecond(long permits, TimeSource time) {
    return RateLimiters.inMemory(RateLimitPolicy.of(Limit.perSecond(permits))).timeSource(time).build();
  }
}
