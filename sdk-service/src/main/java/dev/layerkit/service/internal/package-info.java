/**
 * Implementation details of {@code layerkit-service} that other Layerkit packages share. Not API:
 * anything here may change or go away without notice.
 */
@NullMarked
package dev.layerkit.service.internal;

import org.jspecify.annotations.NullMarked;
