/**
 * The health SPI every Layerkit backend reports through: a
 * {@link dev.layerkit.core.health.HealthCheck} produces a {@link dev.layerkit.core.health.Health}
 * with a {@link dev.layerkit.core.health.HealthStatus}. The infrastructure layer's
 * {@code HealthRegistry} runs checks in parallel with timeouts and serves them on
 * {@code /health}.
 */
@NullMarked
package dev.layerkit.core.health;

import org.jspecify.annotations.NullMarked;
