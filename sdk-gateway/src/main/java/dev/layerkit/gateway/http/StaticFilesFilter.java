package dev.layerkit.gateway.http;

import io.netty.handler.codec.http.FullHttpResponse;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the request from the route's {@link StaticFiles}, if it has them: at once when no file
 * must be read (a class-path file read before, a 405), else once the file was read on the static
 * files' own pool, so that the event loop never waits for a disk.
 */
final class StaticFilesFilter implements GatewayFilter {

  private static final Logger LOG = LoggerFactory.getLogger(StaticFilesFilter.class);

  @Override
  public void filter(FilterContext request) {
    Route route = request.route().route;
    StaticFiles files = route.staticFiles();
    if (files == null) {
      request.proceed();
      return;
    }
    String path = route.rewrite(request.view.path());
    FullHttpResponse now = files.respondNow(request.request, path, request.requestId(),
        request.closeAfterAnswer());
    if (now != null) {
      request.respond(now);
      return;
    }
    CompletableFuture<FullHttpResponse> later = files.respondLater(request.request, path,
        request.requestId(), request.closeAfterAnswer());
    // respond and fail hop to the connection's event loop.
    later.whenComplete((response, error) -> {
      if (error != null || response == null) {
        LOG.warn("static files of route {} failed for request {}", route.id(), request.requestId(), error);
        request.fail(500, "cannot read static file");
      } else {
        request.respond(response);
      }
    });
  }
}
