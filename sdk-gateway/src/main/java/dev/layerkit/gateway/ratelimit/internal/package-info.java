/**
 * Implementation of the rate limiters shared by their backends. Not API: it may change without
 * notice.
 */
@NullMarked
package dev.layerkit.gateway.ratelimit.internal;

import org.jspecify.annotations.NullMarked;
