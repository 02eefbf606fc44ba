/**
 * Tracing support shared by every block: Layerkit reports through the Micrometer Observation API
 * (each block's builder takes an {@code observationRegistry}, {@code ObservationRegistry.NOOP} by
 * default, which costs nothing), and the tracer the user registers on that registry (Micrometer
 * Tracing with its OpenTelemetry or Brave bridge) makes spans of the observations and carries the
 * W3C {@code traceparent}/{@code tracestate} across processes.
 *
 * <p>{@link dev.layerkit.core.observation.TraceMdc} puts the current trace and span ids in SLF4J's
 * MDC while Layerkit runs a request's work, so a log pattern can print them; {@link
 * dev.layerkit.core.observation.ObservationTags} holds the tag keys and values every block uses.
 */
@NullMarked
package dev.layerkit.core.observation;

import org.jspecify.annotations.NullMarked;
