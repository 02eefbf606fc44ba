/**
 * Implementation of the pipelines shared by their engines and sinks. Not API: it may change
 * without notice.
 */
@NullMarked
package dev.layerkit.events.pipeline.internal;

import org.jspecify.annotations.NullMarked;
