/**
 * Implementation of the caches shared by their backends. Not API: it may change without notice.
 */
@NullMarked
package dev.layerkit.cache.internal;

import org.jspecify.annotations.NullMarked;
