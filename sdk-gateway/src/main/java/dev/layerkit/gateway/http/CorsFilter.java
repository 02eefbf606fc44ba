package dev.layerkit.gateway.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;

/**
 * Answers a CORS preflight (204 with the policy's headers, or 403), and for any other request of
 * a route with a {@link CorsPolicy} collects the CORS headers that every answer then carries.
 */
final class CorsFilter implements GatewayFilter {

  @Override
  public void filter(FilterContext request) {
    Cors cors = request.route().cors;
    if (cors == null) {
      request.proceed();
      return;
    }
    if (cors.isPreflight(request.view)) {
      FullHttpResponse preflight = cors.preflight(request.view, request.requestId());
      if (preflight.status().code() == 204) {
        preflight.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
      }
      request.respond(preflight);
      return;
    }
    request.responseHeaders(cors.responseHeaders(request.view));
    request.proceed();
  }
}
