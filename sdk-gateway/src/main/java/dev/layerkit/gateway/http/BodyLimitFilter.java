package dev.layerkit.gateway.http;

/**
 * Refuses a request whose declared {@code Content-Length} is over the route's body limit (413).
 * A chunked body is counted while it streams, by the {@link Exchange}.
 */
final class BodyLimitFilter implements GatewayFilter {

  @Override
  public void filter(FilterContext request) {
    long limit = request.maxBodySize();
    if (request.contentLength > limit) {
      request.fail(413, "request body of " + request.contentLength + " bytes is larger than "
          + limit);
      return;
    }
    request.proceed();
  }
}
