/**
 * Helpers of the HTTP gateway's filters (address parsing, header tokenizing) and a way into its
 * connection pipelines for benchmarks ({@link PipelineAccess}). Not API: it may change without
 * notice.
 */
@NullMarked
package dev.layerkit.gateway.http.internal;

import org.jspecify.annotations.NullMarked;
