package dev.layerkit.gateway.http;

import io.netty.handler.codec.http.FullHttpResponse;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Applies a route's CORS policy to Netty messages. */
final class Cors {

  private Cors() {}

  static @Nullable Cors of(Route route) {
    return null;
  }

  boolean isPreflight(GatewayRequest request) {
    return false;
  }

  FullHttpResponse preflight(GatewayRequest request, String requestId) {
    throw new IllegalStateException("no CORS policy");
  }

  Map<String, String> responseHeaders(GatewayRequest request) {
    return Map.of();
  }
}
