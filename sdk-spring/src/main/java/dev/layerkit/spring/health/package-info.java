/**
 * Layerkit's {@link dev.layerkit.core.health.HealthCheck}s in Spring Boot Actuator: one
 * {@code layerkit} health contributor with a child per check, and the checks that matter for
 * traffic in the readiness group.
 */
@NullMarked
package dev.layerkit.spring.health;

import org.jspecify.annotations.NullMarked;
