package dev.layerkit.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.test.TestTracing;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancer;
import dev.layerkit.gateway.lb.LoadBalancers;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The gateway's observations with a real tracer (Micrometer Tracing over OpenTelemetry): a server
 * span per request that continues the client's {@code traceparent}, a client span per upstream
 * try whose context the upstream receives, and nothing changed with the default NOOP registry.
 */
class GatewayTracingIT extends GatewayTestSupport {

  private static String attr(SpanData span, String key) {
    return span.getAttributes().get(AttributeKey.stringKey(key));
  }

  private Gateway traced(TestTracing tracing, Route... routes) {
    return start(Gateway.builder().observationRegistry(tracing.registry())
        .routes(List.of(routes)));
  }

  @Test
  void continuesTheClientsTraceparentAndPassesTheTrySpanToTheUpstream() throws Exception {
    try (TestTracing tracing = closing(TestTracing.start())) {
      TestUpstream echo = upstream("echo");
      Gateway gateway = traced(tracing,
          Route.builder("api").pathPrefix("/").upstream(upstreamOf("svc", echo)).build());
      TestTracing.ClientSpan client = tracing.clientSpan("browser");

      HttpResponse<String> response = get(gateway, "/echo", "traceparent", client.traceparent());

      assertThat(response.statusCode()).isEqualTo(200);
      SpanData server = tracing.awaitSpan(GatewayObservations.REQUEST);
      SpanData upstreamTry = tracing.awaitSpan(GatewayObservations.UPSTREAM);
      // Continued, not replaced: the client's trace, and the client's span is the parent.
      assertThat(server.getTraceId()).isEqualTo(client.traceId());
      assertThat(server.getParentSpanId()).isEqualTo(client.spanId());
      assertThat(server.getKind()).isEqualTo(SpanKind.SERVER);
      assertThat(attr(server, "route")).isEqualTo("api");
      assertThat(attr(server, "method")).isEqualTo("GET");
      assertThat(attr(server, "status")).isEqualTo("2xx");
      assertThat(attr(server, "outcome")).isEqualTo("success");
      assertThat(upstreamTry.getTraceId()).isEqualTo(client.traceId());
      assertThat(upstreamTry.getParentSpanId()).isEqualTo(server.getSpanId());
      assertThat(upstreamTry.getKind()).isEqualTo(SpanKind.CLIENT);
      assertThat(attr(upstreamTry, "upstream")).isEqualTo("svc");
      assertThat(attr(upstreamTry, "status")).isEqualTo("2xx");
      assertThat(attr(upstreamTry, "endpoint")).isEqualTo(echo.endpoint().id());
      assertThat(upstreamTry.getEvents()).extracting(EventData::getName)
          .contains(GatewayObservations.PICK);
      // The upstream got the try's context, which replaced the client's header.
      assertThat(response.body()).contains("traceparent: 00-" + client.traceId() + "-"
          + upstreamTry.getSpanId() + "-0"); // flags: sampled, and random ids (01 or 03)
    }
  }

  @Test
  void aRequestWithoutTraceparentStartsATraceOfItsOwn() throws Exception {
    try (TestTracing tracing = closing(TestTracing.start())) {
      TestUpstream echo = upstream("echo");
      Gateway gateway = traced(tracing,
          Route.builder("api").pathPrefix("/").upstream(upstreamOf("svc", echo)).build());

      HttpResponse<String> response = get(gateway, "/echo");

      SpanData server = tracing.awaitSpan(GatewayObservations.REQUEST);
      SpanData upstreamTry = tracing.awaitSpan(GatewayObservations.UPSTREAM);
      assertThat(server.getParentSpanContext().isValid()).isFalse();
      assertThat(upstreamTry.getParentSpanId()).isEqualTo(server.getSpanId());
      assertThat(response.body()).contains("traceparent: 00-" + server.getTraceId() + "-"
          + upstreamTry.getSpanId() + "-0");
    }
  }

  @Test
  void aRequestAnsweredByTheGatewayItselfEndsItsSpanWithTheStatus() throws Exception {
    try (TestTracing tracing = closing(TestTracing.start())) {
      TestUpstream echo = upstream("echo");
      Gateway gateway = traced(tracing,
          Route.builder("api").pathPrefix("/api").upstream(upstreamOf("svc", echo)).build());

      assertThat(get(gateway, "/elsewhere").statusCode()).isEqualTo(404);

      SpanData server = tracing.awaitSpan(GatewayObservations.REQUEST);
      assertThat(attr(server, "route")).isEqualTo("none");
      assertThat(attr(server, "status")).isEqualTo("4xx");
      assertThat(attr(server, "outcome")).isEqualTo("success");
      assertThat(tracing.spans()).extracting(SpanData::getName)
          .doesNotContain(GatewayObservations.UPSTREAM);
    }
  }

  @Test
  void aRetriedRequestHasATrySpanPerAttemptUnderOneRequestSpan() throws Exception {
    try (TestTracing tracing = closing(TestTracing.start())) {
      GatewayRetryIT.DroppingServer dropping = closing(new GatewayRetryIT.DroppingServer());
      TestUpstream good = upstream("good");
      LoadBalancer lb = closing(LoadBalancers.roundRobin().serviceName("svc")
          .endpointSource(EndpointSource.of(List.of(dropping.endpoint(), good.endpoint())))
          .build());
      Gateway gateway = traced(tracing, Route.builder("all").pathPrefix("/").maxRetries(1)
          .upstream(Upstream.builder("svc", lb).noCircuitBreaker().build()).build());

      for (int i = 0; i < 4; i++) {
        assertThat(get(gateway, "/").statusCode()).isEqualTo(200);
      }

      List<SpanData> requests = tracing.awaitSpans(
          span -> span.getName().equals(GatewayObservations.REQUEST), 4, "request spans");
      int dropped = dropping.requests.get();
      assertThat(dropped).isPositive();
      List<SpanData> tries = tracing.awaitSpans(
          span -> span.getName().equals(GatewayObservations.UPSTREAM), 4 + dropped, "try spans");
      List<SpanData> failed = tries.stream().filter(span -> "error".equals(attr(span, "outcome")))
          .toList();
      assertThat(failed).hasSize(dropped);
      var triesByRequest = tries.stream().collect(Collectors.groupingBy(SpanData::getParentSpanId));
      for (SpanData request : requests) {
        List<SpanData> own = triesByRequest.get(request.getSpanId());
        assertThat(own).as("tries of request %s", request.getSpanId()).isNotEmpty();
        assertThat(own).filteredOn(span -> "success".equals(attr(span, "outcome"))).hasSize(1);
      }
      for (SpanData fail : failed) {
        assertThat(triesByRequest.get(fail.getParentSpanId())).hasSize(2);
      }
    }
  }

  @Test
  void withTheDefaultNoopRegistryTheClientsTraceparentPassesUnchanged() throws Exception {
    TestUpstream echo = upstream("echo");
    Gateway gateway = start(
        Route.builder("api").pathPrefix("/").upstream(upstreamOf("svc", echo)).build());
    String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    HttpResponse<String> response = get(gateway, "/echo", "traceparent", traceparent);

    assertThat(response.body()).contains("traceparent: " + traceparent);
  }
}
