/**
 * The conventions every Layerkit Redis backend shares, on Lettuce (an optional dependency: add
 * {@code io.lettuce:lettuce-core} to use any Redis backend).
 *
 * <h2>One connection for every backend</h2>
 *
 * <p>Every Redis backend (the rate limiter, the service registry, the cache and its lease lock,
 * the idempotency store) takes a connection with {@code String} keys and {@code byte[]} values,
 * {@link dev.layerkit.core.redis.RedisConnections#CODEC}, so an application opens one command
 * connection (and, for a tiered cache or a registry's watchers, one pub/sub connection) and hands
 * it to all of them:
 *
 * <pre>{@code
 * RedisClient client = RedisClient.create("redis://localhost:6379");
 * StatefulRedisConnection<String, byte[]> redis = RedisConnections.connect(client);
 * RateLimiter limiter = RedisRateLimiter.builder(policy, redis).build();
 * RedisCache<String, Order> orders = Caches.redis(redis, Codecs.json(Order.class)).name("orders").build();
 * }</pre>
 *
 * <h2>One key rule</h2>
 *
 * <p>A key is {@code <keyPrefix>{<id>}} followed, where a block keeps several keys per id, by
 * {@code :<part>}. The prefix names the block and its instance (by default
 * {@code layerkit:<block>:<name>:}) and must not contain braces; the id is what one atomic
 * operation works on (a rate-limit key, a service, a cache key, a lock). The braces make the id
 * the Redis Cluster hash tag: every key a script touches for one id lives in one slot, and
 * different ids spread over the cluster.
 *
 * <h2>One way to run a script</h2>
 *
 * <p>Lua scripts go through one runner (not API, in {@code dev.layerkit.core.internal.redis}):
 * {@code EVALSHA} by the script's SHA-1, computed once; on {@code NOSCRIPT} (a new, restarted or
 * flushed server) it sends the script once with {@code EVAL}, which caches it, and later calls
 * use the SHA again.
 */
@NullMarked
package dev.layerkit.core.redis;

import org.jspecify.annotations.NullMarked;
