/**
 * The Flink engine's sources, operators and sink. Not API: it may change without notice.
 */
@NullMarked
package dev.layerkit.events.pipeline.flink.internal;

import org.jspecify.annotations.NullMarked;
