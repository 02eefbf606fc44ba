/**
 * Rate limiting: {@link dev.layerkit.gateway.ratelimit.RateLimiter} decides whether a key (an API
 * key, a user, a client IP) may proceed under a {@link dev.layerkit.gateway.ratelimit.RateLimitPolicy}
 * of one or more token-bucket limits, and says when to retry if not.
 *
 * <p>Backends: {@link dev.layerkit.gateway.ratelimit.RateLimiters#inMemory(RateLimitPolicy)} for one
 * process, and a Redis backend for limits shared by many gateway instances.
 */
@NullMarked
package dev.layerkit.gateway.ratelimit;

import org.jspecify.annotations.NullMarked;
