/**
 * Layerkit's {@link dev.layerkit.infra.Lifecycle} run by Spring's: started before the web server,
 * drained and stopped after it, with readiness down first.
 */
@NullMarked
package dev.layerkit.spring.lifecycle;

import org.jspecify.annotations.NullMarked;
