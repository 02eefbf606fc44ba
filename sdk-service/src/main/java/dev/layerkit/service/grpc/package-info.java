/**
 * gRPC integration (optional: needs {@code io.grpc:grpc-api} and a transport on the class path):
 * {@code layerkit://<service>} targets resolved from any {@code EndpointSource}
 * ({@link dev.layerkit.service.grpc.LayerkitNameResolverProvider}), Layerkit's balancing strategies
 * with outlier ejection as gRPC load-balancing policies
 * ({@link dev.layerkit.service.grpc.LayerkitLoadBalancerProvider}), and interceptors for rate
 * limits, deadlines and metrics ({@link dev.layerkit.service.grpc.GrpcInterceptors}).
 *
 * <pre>{@code
 * LayerkitNameResolverProvider.builder()
 *     .service("orders", EndpointSource.dns("orders.default.svc.cluster.local", 9090).build())
 *     .build()
 *     .register();
 * ManagedChannel channel = ManagedChannelBuilder.forTarget("layerkit://orders")
 *     .defaultLoadBalancingPolicy(LayerkitGrpc.PEAK_EWMA)
 *     .intercept(GrpcInterceptors.clientDeadline(Duration.ofSeconds(2)))
 *     .usePlaintext()
 *     .build();
 * }</pre>
 */
@NullMarked
package dev.layerkit.service.grpc;

import org.jspecify.annotations.NullMarked;
