package dev.layerkit.gateway.http;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.health.HealthStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Reload, graceful shutdown, metrics and health over real sockets. */
class GatewayLifecycleIT extends GatewayTestSupport {

  @Test
  void reloadSwapsRoutesWithoutDroppingTheConnection() throws Exception {
    TestUpstream a = upstream("a");
    TestUpstream b = upstream("b");
    Gateway gateway = start(Route.builder("v1").pathPrefix("/").upstream(upstreamOf("one", a)).build());

    try (RawHttp raw = new RawHttp(gateway.port())) {
      raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(raw.read().body()).isEqualTo("a");

      gateway.reload(List.of(Route.builder("v2").pathPrefix("/").upstream(upstreamOf("two", b)).build()));

      raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      RawHttp.Response response = raw.read();
      assertThat(response.body()).isEqualTo("b");
      assertThat(response.header("connection")).isNull();
    }
    assertThat(gateway.routes()).extracting(Route::id).containsExactly("v2");
  }

  @Test
  void reloadRejectsDuplicateRouteIdsAndKeepsTheOldRoutes() throws Exception {
    TestUpstream a = upstream("a");
    Upstream one = upstreamOf("one", a);
    Gateway gateway = start(Route.builder("r").pathPrefix("/").upstream(one).build());

    assertThatThrownBy(() -> gateway.reload(List.of(
        Route.builder("x").pathPrefix("/a").upstream(one).build(),
        Route.builder("x").pathPrefix("/b").upstream(one).build(),
        Route.builder("y").pathPrefix("/c").upstream(one).build(),
        Route.builder("y").pathPrefix("/d").upstream(one).build())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[x, y]");
    assertThat(gateway.routes()).extracting(Route::id).containsExactly("r");
  }

  /** Sends a request the upstream holds until {@code releaseSlow()}, and waits until it is held. */
  private CompletableFuture<HttpResponse<String>> slowRequestInFlight(
      Gateway gateway, TestUpstream upstream) {
    CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(() -> {
      try {
        return get(gateway, "/slow");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> gateway.inFlightRequests() == 1
        && upstream.slowRequestArrived());
    return slow;
  }

  @Test
  void shutdownDrainsInFlightRequestsAndThenRefusesConnections() throws Exception {
    TestUpstream a = upstream("a");
    Gateway gateway = start(Route.builder("all").pathPrefix("/").upstream(upstreamOf("svc", a)).build());
    int port = gateway.port();
    CompletableFuture<HttpResponse<String>> slow = slowRequestInFlight(gateway, a);
    assertThat(gateway.healthCheck().check().status()).isEqualTo(HealthStatus.UP);

    CompletableFuture<Boolean> drained =
        CompletableFuture.supplyAsync(() -> gateway.shutdown(Duration.ofSeconds(10)));
    // Draining: not ready any more, the request still in flight; then the endpoint answers.
    await().atMost(Duration.ofSeconds(10))
        .until(() -> gateway.healthCheck().check().status() == HealthStatus.DOWN);
    assertThat(drained).isNotDone();
    a.releaseSlow();

    assertThat(drained.get(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    HttpResponse<String> response = slow.get();
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("a");
    assertThat(response.headers().firstValue("connection")).hasValue("close");
    assertThat(gateway.healthCheck().check().status()).isEqualTo(HealthStatus.DOWN);
    assertThatThrownBy(() -> new RawHttp(port)).isInstanceOf(java.net.ConnectException.class);
  }

  @Test
  void shutdownPastItsDeadlineReportsItAndClosesTheRequestsStillInFlight() throws Exception {
    TestUpstream a = upstream("a");
    Gateway gateway = start(Route.builder("all").pathPrefix("/").upstream(upstreamOf("svc", a)).build());
    int port = gateway.port();
    CompletableFuture<HttpResponse<String>> slow = slowRequestInFlight(gateway, a);
    try {
      assertThat(gateway.shutdown(Duration.ofMillis(100))).as("drained in time").isFalse();
      assertThatThrownBy(() -> slow.get(10, java.util.concurrent.TimeUnit.SECONDS))
          .as("the request still in flight is cut off, not left hanging")
          .isInstanceOf(java.util.concurrent.ExecutionException.class);
      assertThatThrownBy(() -> new RawHttp(port)).isInstanceOf(java.net.ConnectException.class);
    } finally {
      a.releaseSlow();
    }
  }

  @Test
  void recordsRequestsPerRouteAndStatusClassAndRateLimitDenials() throws Exception {
    TestUpstream a = upstream("a");
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    dev.layerkit.gateway.ratelimit.RateLimiter limiter = dev.layerkit.gateway.ratelimit.RateLimiters
        .inMemory(dev.layerkit.gateway.ratelimit.RateLimitPolicy.of(
            dev.layerkit.gateway.ratelimit.Limit.of(3, Duration.ofMinutes(1)))).build();
    Gateway gateway = start(Gateway.builder().meterRegistry(registry)
        .route(Route.builder("orders").pathPrefix("/").rateLimit(limiter, KeyResolver.principal())
            .upstream(upstreamOf("svc", a)).build()));

    get(gateway, "/");
    get(gateway, "/");
    get(gateway, "/fail");
    get(gateway, "/");

    assertThat(registry.get("layerkit.gateway.requests").tags("route", "orders", "status", "2xx")
        .timer().count()).isEqualTo(2);
    assertThat(registry.get("layerkit.gateway.requests").tags("route", "orders", "status", "5xx")
        .timer().count()).isEqualTo(1);
    assertThat(registry.get("layerkit.gateway.requests").tags("route", "orders", "status", "4xx")
        .timer().count()).isEqualTo(1);
    assertThat(registry.get("layerkit.gateway.ratelimit.denied").tags("route", "orders")
        .counter().count()).isEqualTo(1);
  }

  @Test
  void healthIsDegradedWhenAnUpstreamHasNoAvailableEndpoint() throws Exception {
    TestUpstream a = upstream("a");
    dev.layerkit.gateway.lb.MutableEndpointSource endpoints =
        dev.layerkit.gateway.lb.EndpointSource.mutable(List.of(a.endpoint()));
    Upstream svc = Upstream.of("svc", closing(dev.layerkit.gateway.lb.LoadBalancers.roundRobin()
        .serviceName("svc").endpointSource(endpoints).build()));
    Gateway gateway = start(Route.builder("all").pathPrefix("/").upstream(svc).build());
    assertThat(gateway.healthCheck().check().status()).isEqualTo(HealthStatus.UP);

    endpoints.update(List.of());

    assertThat(gateway.healthCheck().check().status()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(gateway.healthCheck().check().details().toString()).contains("svc");
    HttpResponse<String> response = get(gateway, "/");
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.body()).contains("no available endpoint for upstream 'svc'");
  }
}
