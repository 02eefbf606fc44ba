/**
 * Spring Boot auto-configuration of Layerkit's blocks, configured under {@code layerkit.*}
 * ({@link dev.layerkit.spring.LayerkitProperties}).
 *
 * <p>Each part is its own auto-configuration, conditional on its classes and properties, and
 * backs off when the application defines the bean itself: Redis connections
 * ({@code dev.layerkit.spring.redis}), rate limits with servlet and WebFlux filters
 * ({@code dev.layerkit.spring.ratelimit}), a {@code CacheManager} on {@code CacheAside}
 * ({@code dev.layerkit.spring.cache}) and Actuator health ({@code dev.layerkit.spring.health}).
 */
@NullMarked
package dev.layerkit.spring;

import org.jspecify.annotations.NullMarked;
