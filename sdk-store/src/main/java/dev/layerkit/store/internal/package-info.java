/**
 * Implementation shared by the store's backends: JSON evaluation of filters, the canonical value
 * order, identifier validation. Not API: it may change without notice.
 */
@NullMarked
package dev.layerkit.store.internal;

import org.jspecify.annotations.NullMarked;
