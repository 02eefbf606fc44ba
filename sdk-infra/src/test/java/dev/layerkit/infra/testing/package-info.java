/**
 * Test support shipped in layerkit-infra's test-jar: {@link dev.layerkit.infra.testing.Promtool}
 * runs Prometheus' promtool over generated rules and dashboard queries.
 */
@NullMarked
package dev.layerkit.infra.testing;

import org.jspecify.annotations.NullMarked;
