package dev.layerkit.gateway.http;

/** Answers the request from the route's {@link StaticFiles}, if it has them. */
final class StaticFilesFilter implements GatewayFilter {

  @Override
  public void filter(FilterContext request) {
    Route route = request.route().route;
    StaticFiles files = route.staticFiles();
    if (files == null) {
      request.proceed();
      return;
    }
    request.respond(files.respond(request.request, route.rewrite(request.view.path()),
        request.requestId(), request.closeAfterAnswer()));
  }
}
