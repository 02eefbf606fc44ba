/**
 * Spring Boot auto-configuration of Layerkit's blocks, configured under {@code layerkit.*}
 * ({@link dev.layerkit.spring.LayerkitProperties}).
 *
 * <p>Each part is its own auto-configuration, conditional on its classes and properties, and
 * backs off when the application defines the bean itself: Redis connections
 * ({@code dev.layerkit.spring.redis}), rate limits with servlet and WebFlux filters
 * ({@code dev.layerkit.spring.ratelimit}), a {@code CacheManager} on {@code CacheAside}
 * ({@code dev.layerkit.spring.cache}), service clients, sharded repositories, events, idempotency
 * and Actuator health ({@code dev.layerkit.spring.health}).
 *
 * <p>Observability: the blocks get the application's {@code MeterRegistry} and, when there is one
 * (Spring Boot defines it with Actuator), its {@code ObservationRegistry}: cache loads and waits,
 * service calls, repository operations, event publishing and consuming, and idempotent executions
 * are then observed through the application's handlers (tracing included). Without one, they
 * observe into {@code ObservationRegistry.NOOP}, which costs nothing.
 */
@NullMarked
package dev.layerkit.spring;

import org.jspecify.annotations.NullMarked;
