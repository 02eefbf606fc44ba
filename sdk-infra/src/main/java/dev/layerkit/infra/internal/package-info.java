/**
 * Implementation detail of the infrastructure layer, public only so that its subpackages can share
 * it. Not API: it may change without notice.
 */
@NullMarked
package dev.layerkit.infra.internal;

import org.jspecify.annotations.NullMarked;
