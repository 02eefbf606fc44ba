/**
 * The Redis backend of the cache layer, on Lettuce: {@link dev.layerkit.cache.redis.RedisCache}
 * (the remote tier, standalone or cluster; built through {@code Caches.redis(...)}) and
 * {@link dev.layerkit.cache.redis.RedisLeaseLock} (distributed single-flight). Needs
 * {@code io.lettuce:lettuce-core}, an optional dependency of {@code layerkit-cache}.
 *
 * <p>Like every Layerkit Redis backend, both take a connection with Layerkit's codec
 * ({@link dev.layerkit.core.redis.RedisConnections}: {@code String} keys, {@code byte[]} values),
 * so one connection serves the cache, its lock and the other blocks; a tiered cache's
 * invalidations use a pub/sub connection with the same codec. Keys follow the one key rule,
 * {@code <keyPrefix>{<key>}}, and the lock's script runs through the one script runner, both
 * stated in {@link dev.layerkit.core.redis}.
 */
@NullMarked
package dev.layerkit.cache.redis;

import org.jspecify.annotations.NullMarked;
