/**
 * The Redis {@link dev.layerkit.service.idempotency.IdempotencyKeyStore}, on Lettuce (an optional
 * dependency: add {@code io.lettuce:lettuce-core}).
 */
@NullMarked
package dev.layerkit.service.idempotency.redis;

import org.jspecify.annotations.NullMarked;
