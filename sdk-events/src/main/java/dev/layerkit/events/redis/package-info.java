/**
 * The Redis {@link dev.layerkit.events.IdempotencyStore}: {@link
 * dev.layerkit.events.redis.RedisIdempotencyStore}, on Lettuce. Needs {@code io.lettuce:lettuce-core}
 * on the class path (an optional dependency of {@code layerkit-events}).
 *
 * <p>Like every Layerkit Redis backend, it takes a connection with Layerkit's codec,
 * {@link dev.layerkit.core.redis.RedisConnections}, so one connection serves them all; its keys
 * follow the key rule stated in {@link dev.layerkit.core.redis} ({@code <keyPrefix>{<id>}}).
 */
@NullMarked
package dev.layerkit.events.redis;

import org.jspecify.annotations.NullMarked;
