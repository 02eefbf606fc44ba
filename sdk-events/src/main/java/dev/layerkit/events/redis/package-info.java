/**
 * The Redis {@link dev.layerkit.events.IdempotencyStore}: {@link
 * dev.layerkit.events.redis.RedisIdempotencyStore}, on Lettuce. Needs {@code io.lettuce:lettuce-core}
 * on the class path (an optional dependency of {@code layerkit-events}).
 */
@NullMarked
package dev.layerkit.events.redis;

import org.jspecify.annotations.NullMarked;
