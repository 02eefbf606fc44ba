package dev.layerkit.gateway.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;

/**
 * Serves a GET from the route's {@link ResponseCache} when it holds a fresh response, and
 * otherwise sets up the capture that stores the upstream's response if it is cacheable.
 */
final class ResponseCacheFilter implements GatewayFilter {

  @Override
  public void filter(FilterContext request) {
    ResponseCache cache = request.route().route.responseCache();
    if (cache == null || request.request.method() != HttpMethod.GET) {
      request.proceed();
      return;
    }
    FullHttpResponse cached = cache.lookup(request.request, request.view, request.requestId());
    if (cached != null) {
      request.respond(cached);
      return;
    }
    request.cacheCapture(cache.capture(request.request, request.view));
    request.proceed();
  }
}
