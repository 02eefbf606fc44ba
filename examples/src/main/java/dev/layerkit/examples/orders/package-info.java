/**
 * The seven-layer order system: {@link dev.layerkit.examples.orders.OrderSystem} assembles the
 * client page, the gateway, the order service, the cache, the sharded store, the event stream
 * with its dashboard and the admin endpoints; {@link dev.layerkit.examples.orders.OrderSystemMain}
 * runs it from the command line.
 */
@NullMarked
package dev.layerkit.examples.orders;

import org.jspecify.annotations.NullMarked;
