/**
 * Prometheus alerting rules generated from simple service-level objectives by
 * {@link dev.layerkit.infra.alerts.PrometheusRules}.
 */
@NullMarked
package dev.layerkit.infra.alerts;

import org.jspecify.annotations.NullMarked;
