package dev.layerkit.gateway.http;

/** Finds the request's route, the first whose predicates all match; 404 when none does. */
final class RoutingFilter implements GatewayFilter {

  @Override
  public void filter(FilterContext request) {
    RouteState state = request.gateway.routeTable().match(request.view);
    if (state == null) {
      request.gateway.metrics().noRoute();
      request.fail(404, "no route for " + request.view.method() + " " + request.view.path());
      return;
    }
    request.route(state);
    request.proceed();
  }
}
