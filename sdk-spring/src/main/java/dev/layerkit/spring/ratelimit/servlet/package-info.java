/**
 * The servlet side of rate limiting: {@link dev.layerkit.spring.ratelimit.servlet.RateLimitServletFilter}
 * applies the request rules, {@link dev.layerkit.spring.ratelimit.servlet.RateLimitedInterceptor}
 * the {@link dev.layerkit.spring.ratelimit.RateLimited} annotation of Spring MVC handlers.
 */
@NullMarked
package dev.layerkit.spring.ratelimit.servlet;

import org.jspecify.annotations.NullMarked;
