/**
 * The Redis pieces Layerkit's Redis backends share: the script runner and the key rule of
 * {@link dev.layerkit.core.redis}. Not API: public only so that sibling modules can use them; they
 * may change or go without notice.
 */
@NullMarked
package dev.layerkit.core.internal.redis;

import org.jspecify.annotations.NullMarked;
