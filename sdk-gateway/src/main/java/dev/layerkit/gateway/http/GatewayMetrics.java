package dev.layerkit.gateway.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** The gateway's meters, all named {@code layerkit.gateway.*}. */
final class GatewayMetrics {

  private final MeterRegistry registry;
  private final Counter noRoute;
  private final Counter badRequests;
  private final Counter rejectedConnections;

  GatewayMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.noRoute = counter("layerkit.gateway.requests.unrouted", "none");
    this.badRequests = counter("layerkit.gateway.requests.malformed", "none");
    this.rejectedConnections = Counter.builder("layerkit.gateway.connections.rejected")
        .description("Connections closed because maxConnections was reached")
        .register(registry);
  }

  Timer requestTimer(String route, String statusClass) {
    return Timer.builder("layerkit.gateway.requests")
        .description("Requests answered by the gateway, by route and status class")
        .tag("route", route)
        .tag("status", statusClass)
        .publishPercentileHistogram()
        .register(registry);
  }

  Counter counter(String name, String route) {
    return Counter.builder(name).tag("route", route).register(registry);
  }

  Counter counter(String name, String route, String tag, String value) {
    return Counter.builder(name).tag("route", route).tag(tag, value).register(registry);
  }

  void noRoute() {
    noRoute.increment();
  }

  void badRequest() {
    badRequests.increment();
  }

  void connectionRejected() {
    rejectedConnections.increment();
  }

  /** Counts HTTP/2 protocol errors by error code; one counter per code, made once per connection. */
  Counter http2Error(String code) {
    return Counter.builder("layerkit.gateway.http2.errors")
        .description("HTTP/2 protocol errors answered with GOAWAY or RST_STREAM, by error code")
        .tag("code", code)
        .register(registry);
  }

  MeterRegistry registry() {
    return registry;
  }
}
