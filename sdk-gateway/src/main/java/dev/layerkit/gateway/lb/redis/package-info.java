/**
 * A service registry on Redis, through Lettuce: instances register themselves with a TTL heartbeat
 * ({@link dev.layerkit.gateway.lb.redis.RedisServiceRegistry#register}) and balancers watch a
 * service as an {@link dev.layerkit.gateway.lb.EndpointSource}
 * ({@link dev.layerkit.gateway.lb.redis.RedisServiceRegistry#watch}).
 *
 * <p>Needs {@code io.lettuce:lettuce-core} on the class path; {@code layerkit-gateway} declares it
 * optional so that users of the in-memory blocks do not pull Netty.
 *
 * <p>Like every Layerkit Redis backend, the registry talks to Redis with Layerkit's codec
 * ({@link dev.layerkit.core.redis.RedisConnections}: {@code String} keys, {@code byte[]} values),
 * keeps a service's keys under one hash tag ({@code <keyPrefix>{<service>}:instances}) and runs
 * its Lua scripts through the one script runner, as {@link dev.layerkit.core.redis} states.
 */
@NullMarked
package dev.layerkit.gateway.lb.redis;

import org.jspecify.annotations.NullMarked;
