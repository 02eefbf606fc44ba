/**
 * Implementation of the starter shared by its auto-configurations. Not API: it may change without
 * notice.
 */
@NullMarked
package dev.layerkit.spring.internal;

import org.jspecify.annotations.NullMarked;
