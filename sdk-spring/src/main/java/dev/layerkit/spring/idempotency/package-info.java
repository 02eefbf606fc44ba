/**
 * The IETF {@code Idempotency-Key} semantics for servlet routes, on Layerkit's
 * {@link dev.layerkit.service.idempotency.Idempotency}: a retried write replays its stored
 * response instead of running twice.
 */
@NullMarked
package dev.layerkit.spring.idempotency;

import org.jspecify.annotations.NullMarked;
