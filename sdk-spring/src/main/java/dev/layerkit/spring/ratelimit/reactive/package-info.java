/**
 * The WebFlux side of rate limiting: {@link dev.layerkit.spring.ratelimit.reactive.RateLimitWebFilter}
 * applies the request rules and {@link dev.layerkit.spring.ratelimit.RateLimited} on annotated
 * handler methods, without blocking an event loop.
 */
@NullMarked
package dev.layerkit.spring.ratelimit.reactive;

import org.jspecify.annotations.NullMarked;
