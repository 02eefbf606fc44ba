/**
 * Resilience policies on Resilience4j: retry with exponential backoff and full jitter, circuit
 * breaker, bulkhead and per-attempt timeout, composed in one fixed order behind
 * {@link dev.layerkit.core.resilience.ResiliencePolicy}.
 *
 * <p>The policy adds to Resilience4j only what Layerkit needs and Resilience4j lacks: injected
 * time ({@link dev.layerkit.core.time.TimeSource} for the breaker's clock,
 * {@link dev.layerkit.core.time.Sleeper} for the synchronous backoff) so that tests run in virtual
 * time, a full-jitter backoff whose randomness can be injected, and Micrometer meters named
 * {@code layerkit.resilience.*}. The Resilience4j instances stay reachable for their events and
 * manual state transitions.
 */
@NullMarked
package dev.layerkit.core.resilience;

import org.jspecify.annotations.NullMarked;
