/**
 * Rate limiting in Spring: named {@link dev.layerkit.gateway.ratelimit.RateLimiter}s from
 * {@code layerkit.ratelimit.limiters} (in memory or Redis) in a {@link
 * dev.layerkit.spring.ratelimit.RateLimiterRegistry}, request rules applied by a servlet filter or a
 * WebFlux filter, and {@link dev.layerkit.spring.ratelimit.RateLimited} on controller methods. A
 * denied request is answered 429 with {@code Retry-After} and {@code RateLimit-*} headers
 * ({@link dev.layerkit.spring.ratelimit.RateLimitResponses}).
 */
@NullMarked
package dev.layerkit.spring.ratelimit;

import org.jspecify.annotations.NullMarked;
