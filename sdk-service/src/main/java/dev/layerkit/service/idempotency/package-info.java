/**
 * Idempotent writes for servers, with the semantics of the IETF {@code Idempotency-Key} HTTP
 * header draft: {@link dev.layerkit.service.idempotency.Idempotency} runs a request's effect once
 * per key and replays the stored response to retries.
 *
 * <p>The first request with a key runs and its response is stored with a fingerprint of the
 * method, path and body; a retry with the same key and fingerprint gets the stored response; the
 * same key with another fingerprint is a {@code 422}; a retry while the first is still running is
 * a {@code 409} with {@code Retry-After}; a first attempt that fails releases the key so a retry
 * can run; keys expire after a TTL.
 *
 * <p>Stores ({@link dev.layerkit.service.idempotency.IdempotencyKeyStores}): in memory for one
 * process, Redis ({@code .redis}) shared by every instance, PostgreSQL ({@code .jdbc}) where the
 * claim can join the caller's transaction.
 */
@NullMarked
package dev.layerkit.service.idempotency;

import org.jspecify.annotations.NullMarked;
