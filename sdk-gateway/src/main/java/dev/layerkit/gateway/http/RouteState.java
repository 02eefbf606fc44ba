package dev.layerkit.gateway.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import org.jspecify.annotations.Nullable;

/** A route and its meters, looked up once per route so the request path does no meter lookups. */
final class RouteState {

  final Route route;
  private final Timer[] byStatusClass = new Timer[6];
  final Counter retries;
  final Counter rateLimited;
  final Counter upstreamErrors;
  /** Requests of authenticated callers that the route's {@link Authorization} refused (403). */
  final Counter forbidden;
  final Counter mirrorOk;
  final Counter mirrorFailed;
  final Counter mirrorSkipped;
  /** Requests of a route with {@link Route#hashOn()} that carried no key: spread at random. */
  final Counter hashFallbacks;
  final @Nullable Cors cors;

  RouteState(Route route, GatewayMetrics metrics) {
    this.route = route;
    for (int i = 0; i < byStatusClass.length; i++) {
      byStatusClass[i] = metrics.requestTimer(route.id(), i == 0 ? "other" : i + "xx");
    }
    this.retries = metrics.counter("layerkit.gateway.retries", route.id());
    this.rateLimited = metrics.counter("layerkit.gateway.ratelimit.denied", route.id());
    this.upstreamErrors = metrics.counter("layerkit.gateway.upstream.errors", route.id());
    this.forbidden = metrics.counter("layerkit.gateway.authorization.denied", route.id());
    this.mirrorOk = metrics.counter("layerkit.gateway.mirror.requests", route.id(), "result", "ok");
    this.mirrorFailed =
        metrics.counter("layerkit.gateway.mirror.requests", route.id(), "result", "failed");
    this.mirrorSkipped =
        metrics.counter("layerkit.gateway.mirror.requests", route.id(), "result", "skipped");
    this.hashFallbacks = metrics.counter("layerkit.gateway.hash.fallback", route.id());
    this.cors = Cors.of(route);
  }

  Timer timer(int status) {
    int statusClass = status / 100;
    return byStatusClass[statusClass >= 1 && statusClass <= 5 ? statusClass : 0];
  }
}
