package dev.layerkit.gateway.http;

/**
 * Starts a copy of the request to the route's {@link Mirror}, if it has one and the request is
 * sampled, and goes on at once: the copy runs beside the request and never holds it up.
 */
final class MirrorFilter implements GatewayFilter {

  @Override
  public void filter(FilterContext request) {
    RouteState state = request.route();
    Mirror mirror = state.route.mirror();
    if (mirror != null) {
      MirrorCall.send(request, mirror, state, request.eventLoop(), request.connector());
    }
    request.proceed();
  }
}
