/**
 * The infrastructure layer: a {@link dev.layerkit.infra.HealthRegistry} that runs every block's
 * health checks in parallel with timeouts and a short cache, an {@link dev.layerkit.infra.AdminServer}
 * that serves them with Prometheus metrics and build info, a {@link dev.layerkit.infra.Lifecycle}
 * that starts components in dependency order and drains them on SIGTERM, and typed
 * {@link dev.layerkit.infra.Config}.
 */
@NullMarked
package dev.layerkit.infra;

import org.jspecify.annotations.NullMarked;
