/**
 * Implementation detail of the load balancer shared with its Redis subpackage. Not API: anything
 * here may change or disappear in any release without notice.
 */
@NullMarked
package dev.layerkit.gateway.lb.internal;

import org.jspecify.annotations.NullMarked;
