package dev.layerkit.gateway.http;

/** The end of the chain: forwards the request to the route's upstream. */
final class ProxyFilter implements GatewayFilter {

  @Override
  public void filter(FilterContext request) {
    Upstream upstream = request.route().route.upstream();
    if (upstream == null) {
      request.fail(500, "route has no target");
      return;
    }
    request.forward(upstream);
  }
}
