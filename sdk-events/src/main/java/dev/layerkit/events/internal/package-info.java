/**
 * Implementation shared by the event backends: topic-name rules, the raw record, the publish path
 * up to the codec ({@code EncodingPublisher}), the dispatcher that decodes, retries and
 * dead-letters, the windowed engines' result rules ({@code WindowResults}), and metrics. Not API:
 * it may change without notice.
 */
@NullMarked
package dev.layerkit.events.internal;

import org.jspecify.annotations.NullMarked;
