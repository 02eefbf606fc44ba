package dev.layerkit.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestServers;
import dev.layerkit.test.TestTracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * One order is one trace (issue 20's "must show"), on the embedded order system: a client's POST
 * with a {@code traceparent} goes through the gateway (server and client spans), an order-service
 * instance (its request span), the inventory and payment services (their request spans, below
 * the order service's calls), the sharded store's write and the event's publish, to the
 * dashboard subscriber's handler; every span has the client's trace id and the right parent. On
 * production backends (PostgreSQL, Redis, Kafka) the event goes through the transactional outbox:
 * the row carries the context to the relay, whose Kafka publish the subscriber continues.
 */
class OrderTracingIT {

  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  private static String attr(SpanData span, String key) {
    return span.getAttributes().get(AttributeKey.stringKey(key));
  }

  private static Predicate<SpanData> named(String name, String traceId) {
    return span -> span.getName().equals(name) && span.getTraceId().equals(traceId);
  }

  /** Whether {@code ancestor} is {@code span}'s parent, grandparent, ... among {@code spans}. */
  private static boolean descendsFrom(SpanData span, SpanData ancestor, List<SpanData> spans) {
    Map<String, SpanData> byId = new HashMap<>();
    spans.forEach(s -> byId.put(s.getSpanId(), s));
    SpanData current = span;
    while (current != null) {
      if (current.getParentSpanId().equals(ancestor.getSpanId())) {
        return true;
      }
      current = byId.get(current.getParentSpanId());
    }
    return false;
  }

  @Test
  void onePostThroughTheGatewayIsOneTraceFromTheClientToTheSubscriber() throws Exception {
    try (TestTracing tracing = TestTracing.start();
        OrderSystem system = OrderSystem.start(OrderSystemOptions.embeddedOnFreePorts(),
            "layerkit", OrderSystem.Role.ALL, RemoteServices.at(List.of()), tracing.registry())) {
      TestTracing.ClientSpan client = tracing.clientSpan("browser POST /api/orders");
      String trace = client.traceId();

      HttpResponse<String> response = http.send(HttpRequest.newBuilder(
              system.gatewayUri().resolve("/api/orders"))
          .timeout(Duration.ofSeconds(30))
          .header("X-API-Key", system.apiKey())
          .header("Content-Type", "application/json")
          .header("Idempotency-Key", "trace-1")
          .header("traceparent", client.traceparent())
          .POST(HttpRequest.BodyPublishers.ofString(
              "{\"customerId\":\"c-7\",\"items\":[{\"sku\":\"sku-mouse\",\"quantity\":1}]}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(201);

      SpanData gateway = tracing.awaitSpans(named("layerkit.gateway.request", trace), 1,
          "gateway request").get(0);
      SpanData upstream = tracing.awaitSpans(named("layerkit.gateway.upstream", trace), 1,
          "gateway upstream try").get(0);
      SpanData service = tracing.awaitSpans(named(OrderHttpServer.REQUEST_OBSERVATION, trace), 1,
          "order-service request").get(0);
      SpanData write = tracing.awaitSpans(named("layerkit.store.operation", trace)
          .and(span -> "insertIfAbsent".equals(attr(span, "operation"))), 1, "store write").get(0);
      SpanData publish = tracing.awaitSpans(named("layerkit.events.publish", trace), 1,
          "event publish").get(0);
      SpanData consume = tracing.awaitSpans(named("layerkit.events.consume", trace), 1,
          "subscriber handling").get(0);
      List<SpanData> all = tracing.spans().stream().filter(s -> s.getTraceId().equals(trace))
          .toList();

      // The client's trace is continued, not replaced.
      assertThat(gateway.getParentSpanId()).isEqualTo(client.spanId());
      assertThat(gateway.getKind()).isEqualTo(SpanKind.SERVER);
      assertThat(attr(gateway, "route")).isEqualTo("api");
      assertThat(attr(gateway, "status")).isEqualTo("2xx");
      assertThat(upstream.getParentSpanId()).isEqualTo(gateway.getSpanId());
      assertThat(upstream.getKind()).isEqualTo(SpanKind.CLIENT);
      // The instance continued the gateway's try, and the work it did hangs below its span.
      assertThat(service.getParentSpanId()).isEqualTo(upstream.getSpanId());
      assertThat(service.getKind()).isEqualTo(SpanKind.SERVER);
      assertThat(descendsFrom(write, service, all)).as("store write under the request").isTrue();
      assertThat(attr(write, "name")).isEqualTo("orders");
      assertThat(attr(write, "shard")).matches("[0-3]");
      assertThat(descendsFrom(publish, service, all)).as("publish under the request").isTrue();
      assertThat(publish.getKind()).isEqualTo(SpanKind.PRODUCER);
      // The place-order saga's calls to the inventory and payment services, from its step threads.
      assertThat(all).filteredOn(named("layerkit.service.call", trace))
          .extracting(span -> attr(span, "service")).containsExactlyInAnyOrder("inventory", "payment");
      assertThat(all).filteredOn(named("layerkit.service.call", trace))
          .allMatch(call -> descendsFrom(call, service, all), "under the request");
      // The subscriber's handling continues the publish, from the event's headers.
      assertThat(consume.getParentSpanId()).isEqualTo(publish.getSpanId());
      assertThat(consume.getKind()).isEqualTo(SpanKind.CONSUMER);
      // The inventory and payment services continue the calls: gateway -> order -> inventory/payment.
      SpanData reserve = tracing.awaitSpans(named(InventoryApi.REQUEST_OBSERVATION, trace), 1,
          "inventory service request").get(0);
      SpanData charge = tracing.awaitSpans(named(PaymentApi.REQUEST_OBSERVATION, trace), 1,
          "payment service request").get(0);
      List<SpanData> withServices = tracing.spans().stream().filter(s -> s.getTraceId().equals(trace))
          .toList();
      for (SpanData server : List.of(reserve, charge)) {
        String callee = server == reserve ? "inventory" : "payment";
        SpanData call = withServices.stream().filter(named("layerkit.service.call", trace))
            .filter(span -> callee.equals(attr(span, "service"))).findFirst().orElseThrow();
        assertThat(server.getKind()).as(callee).isEqualTo(SpanKind.SERVER);
        assertThat(descendsFrom(server, call, withServices)).as(callee + " request under its call").isTrue();
        assertThat(descendsFrom(server, service, withServices)).as(callee + " under the order request").isTrue();
        assertThat(attr(server, "status")).as(callee).isEqualTo("2xx");
        assertThat(attr(server, "method")).as(callee).isEqualTo("POST");
      }

      System.out.println("One order as a trace (TraceTreeLog.render):\n"
          + TraceTreeLog.render(withServices));
    }
  }

  @Test
  void onProductionBackendsTheOutboxRowAndKafkaCarryTheTraceToTheSubscriber() throws Exception {
    PostgresSchema schema = TestServers.postgres().createSchema("orders_tracing");
    String jdbcUrl = schema.jdbcUrl() + (schema.jdbcUrl().contains("?") ? "&" : "?")
        + "user=" + schema.user() + (schema.password() == null ? "" : "&password=" + schema.password());
    String namespace = "tr" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    OrderSystemOptions options = new OrderSystemOptions("production", 0, 0, 2,
        OrderSystemOptions.DEMO_API_KEY, 20, TestServers.redis().uri(),
        TestServers.kafka().bootstrapServers(), jdbcUrl, null, false);
    try (TestTracing tracing = TestTracing.start();
        OrderSystem system = OrderSystem.start(options, namespace, OrderSystem.Role.ALL,
            RemoteServices.at(List.of()), tracing.registry())) {
      TestTracing.ClientSpan client = tracing.clientSpan("browser POST /api/orders");
      String trace = client.traceId();

      HttpResponse<String> response = http.send(HttpRequest.newBuilder(
              system.gatewayUri().resolve("/api/orders"))
          .timeout(Duration.ofSeconds(30))
          .header("X-API-Key", system.apiKey())
          .header("Content-Type", "application/json")
          .header("Idempotency-Key", "trace-prod-1")
          .header("traceparent", client.traceparent())
          .POST(HttpRequest.BodyPublishers.ofString(
              "{\"customerId\":\"c-8\",\"items\":[{\"sku\":\"sku-mouse\",\"quantity\":1}]}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(201);

      SpanData gateway = tracing.awaitSpans(named("layerkit.gateway.request", trace), 1,
          "gateway request").get(0);
      SpanData service = tracing.awaitSpans(named(OrderHttpServer.REQUEST_OBSERVATION, trace), 1,
          "order-service request").get(0);
      SpanData write = tracing.awaitSpans(
          named(OutboxOrderWriter.TRANSACTION_OBSERVATION, trace), 1, "store transaction").get(0);
      SpanData add = tracing.awaitSpans(named("layerkit.outbox.add", trace), 1, "outbox row")
          .get(0);
      SpanData relay = tracing.awaitSpans(named("layerkit.outbox.relay", trace), 1,
          "relay's publish").get(0);
      SpanData publish = tracing.awaitSpans(named("layerkit.events.publish", trace), 1,
          "Kafka publish").get(0);
      SpanData consume = tracing.awaitSpans(named("layerkit.events.consume", trace), 1,
          "subscriber handling").get(0);
      List<SpanData> all = tracing.spans().stream().filter(s -> s.getTraceId().equals(trace))
          .toList();

      assertThat(gateway.getParentSpanId()).isEqualTo(client.spanId());
      assertThat(descendsFrom(service, gateway, all)).isTrue();
      assertThat(descendsFrom(write, service, all)).as("transaction under the request").isTrue();
      assertThat(add.getParentSpanId()).isEqualTo(write.getSpanId());
      // The relay runs on its own thread, later: it continues the row's context.
      assertThat(relay.getParentSpanId()).isEqualTo(add.getSpanId());
      assertThat(publish.getParentSpanId()).isEqualTo(relay.getSpanId());
      assertThat(consume.getParentSpanId()).isEqualTo(publish.getSpanId());

      System.out.println("One order on production backends (TraceTreeLog.render):\n"
          + TraceTreeLog.render(all));
    }
  }
}
