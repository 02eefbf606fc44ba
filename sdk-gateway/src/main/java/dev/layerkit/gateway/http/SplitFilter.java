package dev.layerkit.gateway.http;

/**
 * Chooses the upstream of a route with a {@link TrafficSplit}: a pinned variant, else the next of
 * the weighted sequence. The choice goes into the context for {@link ProxyFilter}.
 */
final class SplitFilter implements GatewayFilter {

  @Override
  public void filter(FilterContext request) {
    TrafficSplit split = request.route().route.split();
    if (split != null) {
      request.upstream(split.choose(request.view));
    }
    request.proceed();
  }
}
