/**
 * The gRPC load-balancing providers that {@code META-INF/services/io.grpc.LoadBalancerProvider}
 * names (a service-loaded provider needs a public class with a public no-argument constructor).
 * Not API: use {@link dev.layerkit.service.grpc.LayerkitLoadBalancerProvider}; anything here may
 * change or go away without notice.
 */
@NullMarked
package dev.layerkit.service.grpc.internal;

import org.jspecify.annotations.NullMarked;
