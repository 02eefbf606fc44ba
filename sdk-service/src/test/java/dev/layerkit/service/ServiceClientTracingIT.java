package dev.layerkit.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.test.TestTracing;
import dev.layerkit.gateway.lb.EndpointSource;
import io.micrometer.observation.Observation;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ServiceClient}'s observation with a real tracer: one client span per call, child of the
 * caller's current observation, and its {@code traceparent} in every attempt's request.
 */
class ServiceClientTracingIT {

  record Payload(int n) {}

  private static final Codec<Payload> PAYLOAD = Codecs.json(Payload.class);

  private final List<AutoCloseable> resources = new ArrayList<>();
  private final List<String> traceparents = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
  }

  private Upstream recording(int status) throws Exception {
    Upstream upstream = Upstream.start(exchange -> {
      traceparents.add(String.valueOf(exchange.getRequestHeaders().getFirst("traceparent")));
      Upstream.respond(exchange, status, "application/json", "{\"n\":1}");
    });
    resources.add(upstream);
    return upstream;
  }

  private ServiceClient client(TestTracing tracing, Upstream upstream) {
    ServiceClient client = ServiceClient.builder("inventory")
        .endpointSource(EndpointSource.of(upstream.endpoint()))
        .observationRegistry(tracing.registry()).build();
    resources.add(client);
    return client;
  }

  private static String attr(SpanData span, String key) {
    return span.getAttributes().get(AttributeKey.stringKey(key));
  }

  @Test
  @SuppressWarnings("try") // the scope makes the observation current; the body need not name it
  void aBlockingCallIsAClientSpanUnderTheCallersAndSendsItsTraceparent() throws Exception {
    TestTracing tracing = TestTracing.start();
    resources.add(tracing);
    ServiceClient client = client(tracing, recording(200));

    Observation caller = Observation.start("caller", tracing.registry());
    try (Observation.Scope scope = caller.openScope()) {
      assertThat(client.get("/stock/1", PAYLOAD)).isEqualTo(new Payload(1));
    }
    caller.stop();

    SpanData parent = tracing.awaitSpan("caller");
    SpanData call = tracing.awaitSpan(HttpServiceClient.CALL_OBSERVATION);
    assertThat(call.getParentSpanId()).isEqualTo(parent.getSpanId());
    assertThat(call.getTraceId()).isEqualTo(parent.getTraceId());
    assertThat(call.getKind()).isEqualTo(SpanKind.CLIENT);
    assertThat(attr(call, "service")).isEqualTo("inventory");
    assertThat(attr(call, "method")).isEqualTo("GET");
    assertThat(attr(call, "outcome")).isEqualTo("success");
    assertThat(traceparents).singleElement().asString()
        .startsWith("00-" + call.getTraceId() + "-" + call.getSpanId() + "-0");
  }

  @Test
  void aFailedAsyncCallEndsItsSpanAsAnErrorAndEveryAttemptCarriedTheSameContext()
      throws Exception {
    TestTracing tracing = TestTracing.start();
    resources.add(tracing);
    ServiceClient client = client(tracing, recording(503));

    assertThatThrownBy(() -> client.getAsync("/stock/1", PAYLOAD).get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(ServerErrorException.class);

    SpanData call = tracing.awaitSpan(HttpServiceClient.CALL_OBSERVATION);
    assertThat(call.getParentSpanContext().isValid()).isFalse();
    assertThat(attr(call, "outcome")).isEqualTo("error");
    assertThat(call.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(traceparents).hasSizeGreaterThan(1) // the default policy retried the 503
        .allSatisfy(header -> assertThat(header)
            .startsWith("00-" + call.getTraceId() + "-" + call.getSpanId() + "-0"));
  }

  @Test
  void withoutARegistryNoTraceparentIsSent() throws Exception {
    Upstream upstream = recording(200);
    ServiceClient client = ServiceClient.builder("inventory")
        .endpointSource(EndpointSource.of(upstream.endpoint())).build();
    resources.add(client);

    client.get("/stock/1", PAYLOAD);

    assertThat(traceparents).containsExactly("null");
  }
}
