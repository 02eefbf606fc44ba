/**
 * The Redis backend of the rate limiter, on Lettuce: {@link
 * dev.layerkit.gateway.ratelimit.redis.RedisRateLimiter}. Needs {@code io.lettuce:lettuce-core} on
 * the class path (an optional dependency of {@code layerkit-gateway}).
 *
 * <p>Like every Layerkit Redis backend, the limiter takes a connection with Layerkit's codec
 * ({@link dev.layerkit.core.redis.RedisConnections}: {@code String} keys, {@code byte[]} values),
 * which may serve every other Redis backend of the application too; its state keys follow the
 * key rule and its Lua script runs through the script runner stated in
 * {@link dev.layerkit.core.redis}.
 *
 * <p>In a gateway, the limiter's connection can run on the gateway's own event loops ({@link
 * dev.layerkit.gateway.ratelimit.redis.RedisEventLoops}), one connection for all of them or one per
 * loop ({@link dev.layerkit.gateway.ratelimit.redis.LoopConnections}, with its {@link
 * dev.layerkit.gateway.ratelimit.redis.LoopLocalRateLimiter}).
 */
@NullMarked
package dev.layerkit.gateway.ratelimit.redis;

import org.jspecify.annotations.NullMarked;
