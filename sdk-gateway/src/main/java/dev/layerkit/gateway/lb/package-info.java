/**
 * Client-side load balancing: a {@link dev.layerkit.gateway.lb.LoadBalancer} picks one
 * {@link dev.layerkit.gateway.lb.Endpoint} of a service per request and learns from each request's
 * outcome.
 *
 * <p>Strategies come from {@link dev.layerkit.gateway.lb.LoadBalancers}: round robin, smooth
 * weighted round robin (nginx's), weighted random, least request and peak-EWMA (both power of two
 * choices) and consistent hashing. Every strategy shares the same health machinery, configured on
 * the {@link dev.layerkit.gateway.lb.LoadBalancerBuilder}: passive outlier ejection
 * ({@link dev.layerkit.gateway.lb.OutlierDetection}), active health checks
 * ({@link dev.layerkit.gateway.lb.ActiveHealthCheck}), slow start and a panic threshold.
 *
 * <p>Endpoints come from an {@link dev.layerkit.gateway.lb.EndpointSource}: a fixed list, a
 * {@link dev.layerkit.gateway.lb.MutableEndpointSource} fed by the application, DNS
 * ({@link dev.layerkit.gateway.lb.DnsEndpointSource}, for example a Kubernetes headless service)
 * or the Redis service registry in {@code dev.layerkit.gateway.lb.redis}.
 *
 * <p>{@code pick} and the completion feedback are lock-free and allocate nothing; see
 * {@link dev.layerkit.gateway.lb.LoadBalancer} for the contract.
 */
@NullMarked
package dev.layerkit.gateway.lb;

import org.jspecify.annotations.NullMarked;
