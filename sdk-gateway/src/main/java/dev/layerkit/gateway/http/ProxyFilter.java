package dev.layerkit.gateway.http;

/** The end of the chain: forwards the request to the chosen upstream (see {@link SplitFilter}). */
final class ProxyFilter implements GatewayFilter {

  @Override
  public void filter(FilterContext request) {
    Upstream upstream = request.upstream();
    if (upstream == null) {
      request.fail(500, "route has no target");
      return;
    }
    request.forward(upstream);
  }
}
