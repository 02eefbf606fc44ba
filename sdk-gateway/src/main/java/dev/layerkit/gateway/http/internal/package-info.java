/**
 * Helpers of the HTTP gateway's filters (address parsing, header tokenizing). Not API: it may
 * change without notice.
 */
@NullMarked
package dev.layerkit.gateway.http.internal;

import org.jspecify.annotations.NullMarked;
