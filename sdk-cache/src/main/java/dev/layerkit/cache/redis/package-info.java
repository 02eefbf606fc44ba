/**
 * The Redis backend of the cache layer, on Lettuce: {@link dev.layerkit.cache.redis.RedisCache}
 * (the remote tier, standalone or cluster) and {@link dev.layerkit.cache.redis.RedisLeaseLock}
 * (distributed single-flight). Needs {@code io.lettuce:lettuce-core}, an optional dependency of
 * {@code layerkit-cache}.
 */
@NullMarked
package dev.layerkit.cache.redis;

import org.jspecify.annotations.NullMarked;
