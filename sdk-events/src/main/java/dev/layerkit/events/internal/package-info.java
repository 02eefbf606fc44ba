/**
 * Implementation shared by the event backends: topic-name rules, the raw record, the dispatcher
 * that decodes, retries and dead-letters, and metrics. Not API: it may change without notice.
 */
@NullMarked
package dev.layerkit.events.internal;

import org.jspecify.annotations.NullMarked;
