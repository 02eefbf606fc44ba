/**
 * Rate limiting: {@link dev.layerkit.gateway.ratelimit.RateLimiter} decides whether a key (an API
 * key, a user, a client IP) may proceed under a {@link dev.layerkit.gateway.ratelimit.RateLimitPolicy}
 * of one or more token-bucket limits, and says when to retry if not.
 *
 * <p>Limiters come from {@link dev.layerkit.gateway.ratelimit.RateLimiters}, whose factories return
 * builders: {@code inMemory(policy)} for one process, {@code redis(policy, connection)} for limits
 * shared by many gateway instances (the backend in {@code dev.layerkit.gateway.ratelimit.redis},
 * which needs Lettuce on the class path).
 */
@NullMarked
package dev.layerkit.gateway.ratelimit;

import org.jspecify.annotations.NullMarked;
