/**
 * The Redis backend of the rate limiter, on Lettuce: {@link
 * dev.layerkit.gateway.ratelimit.redis.RedisRateLimiter}. Needs {@code io.lettuce:lettuce-core} on
 * the class path (an optional dependency of {@code layerkit-gateway}).
 */
@NullMarked
package dev.layerkit.gateway.ratelimit.redis;

import org.jspecify.annotations.NullMarked;
