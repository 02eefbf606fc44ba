package dev.layerkit.gateway.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Applies a route's {@link CorsPolicy} to Netty messages. */
final class Cors {

  private final CorsPolicy policy;

  private Cors(CorsPolicy policy) {
    this.policy = policy;
  }

  static @Nullable Cors of(Route route) {
    CorsPolicy policy = route.cors();
    return policy == null ? null : new Cors(policy);
  }

  boolean isPreflight(GatewayRequest request) {
    return policy.isPreflight(request);
  }

  /** A 204 with the policy's headers, or a 403 if the origin, method or headers are not allowed. */
  FullHttpResponse preflight(GatewayRequest request, String requestId) {
    Map<String, String> headers = policy.preflightHeaders(request);
    if (headers.isEmpty()) {
      FullHttpResponse refused = ErrorResponses.json(ByteBufAllocator.DEFAULT, 403,
          "CORS preflight not allowed for this origin, method or headers", requestId, false);
      refused.headers().set("Vary", "Origin");
      return refused;
    }
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        HttpResponseStatus.NO_CONTENT, Unpooled.EMPTY_BUFFER);
    headers.forEach((name, value) -> response.headers().set(name, value));
    response.headers().set(ErrorResponses.REQUEST_ID, requestId);
    return response;
  }

  Map<String, String> responseHeaders(GatewayRequest request) {
    return policy.responseHeaders(request);
  }
}
