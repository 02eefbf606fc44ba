/**
 * The HTTP {@link dev.layerkit.gateway.http.Gateway}: an embeddable reverse proxy on Netty that
 * routes requests by {@link dev.layerkit.gateway.http.Route}, authenticates them ({@link
 * dev.layerkit.gateway.http.Auth}: API keys, JWT), limits them per caller ({@link
 * dev.layerkit.gateway.http.KeyResolver} with a {@link dev.layerkit.gateway.ratelimit.RateLimiter}),
 * answers CORS preflights ({@link dev.layerkit.gateway.http.CorsPolicy}), serves cached responses
 * ({@link dev.layerkit.gateway.http.ResponseCache}) and static files ({@link
 * dev.layerkit.gateway.http.StaticFiles}), and streams the rest to an {@link
 * dev.layerkit.gateway.http.Upstream} picked by a {@link dev.layerkit.gateway.lb.LoadBalancer}.
 *
 * <p>Routes come from the builder or from a YAML/JSON {@link dev.layerkit.gateway.http.RoutesFile},
 * and can be swapped while serving with {@link dev.layerkit.gateway.http.Gateway#reload}. With
 * {@link dev.layerkit.gateway.http.Tls} the gateway terminates TLS (certificates reloaded from PEM
 * files, client certificates for {@link dev.layerkit.gateway.http.ClientCertificateAuth}).
 *
 * <p>Netty is an optional dependency of this module: add {@code io.netty:netty-codec-http}, {@code
 * io.netty:netty-codec-http2} (HTTP/2 from clients and to {@link
 * dev.layerkit.gateway.http.Upstream.Protocol#HTTP_2} upstreams, gRPC) and {@code
 * io.netty:netty-handler} (and {@code netty-transport-native-epoll} with the {@code linux-x86_64}
 * classifier for epoll) to use this package; {@code com.nimbusds:nimbus-jose-jwt} for JWT, {@code
 * com.fasterxml.jackson.dataformat:jackson-dataformat-yaml} for YAML routes files, and {@code
 * io.netty:netty-tcnative-boringssl-static} (with the platform's classifier) for TLS on OpenSSL
 * instead of the JDK.
 */
@NullMarked
package dev.layerkit.gateway.http;

import org.jspecify.annotations.NullMarked;
