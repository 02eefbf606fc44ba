/**
 * What the idempotency stores share that is not API: the byte form of a stored response. May
 * change without notice.
 */
@NullMarked
package dev.layerkit.service.idempotency.internal;

import org.jspecify.annotations.NullMarked;
