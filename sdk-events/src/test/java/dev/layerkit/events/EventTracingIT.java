package dev.layerkit.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.observation.TraceMdc;
import dev.layerkit.test.servers.PostgresSchema;
import dev.layerkit.test.servers.TestKafka;
import dev.layerkit.test.servers.TestServers;
import dev.layerkit.test.TestTracing;
import dev.layerkit.events.internal.EventObservations;
import dev.layerkit.events.kafka.KafkaEventPublisher;
import dev.layerkit.events.kafka.KafkaEventSubscriber;
import dev.layerkit.events.outbox.Outbox;
import dev.layerkit.events.outbox.OutboxRelay;
import io.micrometer.observation.Observation;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The events block's observations with a real tracer: a publish is a producer span whose context
 * travels in the event's headers (Kafka record headers on Kafka), each handler call a consumer
 * span continuing it with the ids in the MDC, and the outbox row carries the context from the
 * writer's transaction to the relay's publish.
 */
class EventTracingIT {

  private static String attr(SpanData span, String key) {
    return span.getAttributes().get(AttributeKey.stringKey(key));
  }

  /** What the handler saw: the event's traceparent and the MDC's ids while it ran. */
  private record Seen(String traceparent, String mdcTraceId, String mdcSpanId) {}

  private static void assertPublishedUnderAndConsumedFrom(TestTracing tracing, SpanData parent,
      List<Seen> seen) {
    SpanData publish = tracing.awaitSpan(EventObservations.PUBLISH);
    SpanData consume = tracing.awaitSpan(EventObservations.CONSUME);
    assertThat(publish.getParentSpanId()).isEqualTo(parent.getSpanId());
    assertThat(publish.getTraceId()).isEqualTo(parent.getTraceId());
    assertThat(publish.getKind()).isEqualTo(SpanKind.PRODUCER);
    assertThat(attr(publish, "topic")).isEqualTo("orders");
    assertThat(attr(publish, "outcome")).isEqualTo("success");
    assertThat(consume.getTraceId()).isEqualTo(parent.getTraceId());
    assertThat(consume.getParentSpanId()).isEqualTo(publish.getSpanId());
    assertThat(consume.getKind()).isEqualTo(SpanKind.CONSUMER);
    assertThat(attr(consume, "group")).isEqualTo("billing");
    assertThat(attr(consume, "outcome")).isEqualTo("success");
    assertThat(seen).singleElement().satisfies(one -> {
      assertThat(one.traceparent()).startsWith(
          "00-" + publish.getTraceId() + "-" + publish.getSpanId() + "-0");
      assertThat(one.mdcTraceId()).isEqualTo(consume.getTraceId());
      assertThat(one.mdcSpanId()).isEqualTo(consume.getSpanId());
    });
  }

  private static EventHandler<String> recording(TestTracing tracing, List<Seen> seen) {
    return event -> seen.add(new Seen(event.headers().get("traceparent"),
        tracing.mdc().get(TraceMdc.TRACE_ID), tracing.mdc().get(TraceMdc.SPAN_ID)));
  }

  @SuppressWarnings("try") // the scope makes the observation current; the body need not name it
  private static SpanData publishUnderARequest(TestTracing tracing, EventPublisher<String> publisher)
      throws Exception {
    Observation request = Observation.start("request", tracing.registry());
    try (Observation.Scope scope = request.openScope()) {
      publisher.publish("orders", "c-1", "placed").get(30, TimeUnit.SECONDS);
    }
    request.stop();
    return tracing.awaitSpan("request");
  }

  @Test
  void inMemoryTheHandlerContinuesThePublishersTrace() throws Exception {
    List<Seen> seen = new CopyOnWriteArrayList<>();
    try (TestTracing tracing = TestTracing.start(TraceMdc::new);
        InMemoryEventBus bus = EventBuses.inMemory().partitions(1)
            .observationRegistry(tracing.registry()).build()) {
      bus.subscriber(Codecs.utf8()).subscribe("orders", "billing", recording(tracing, seen));

      SpanData request = publishUnderARequest(tracing, bus.publisher(Codecs.utf8()));

      tracing.awaitSpan(EventObservations.CONSUME);
      assertPublishedUnderAndConsumedFrom(tracing, request, seen);
    }
  }

  @Test
  @SuppressWarnings("try") // the scope makes the observation current; the body need not name it
  void onKafkaTheContextTravelsInTheRecordHeaders() throws Exception {
    TestKafka kafka = TestServers.kafka();
    List<Seen> seen = new CopyOnWriteArrayList<>();
    try (TestTracing tracing = TestTracing.start(TraceMdc::new);
        KafkaEventPublisher<String> publisher = KafkaEventPublisher
            .builder(kafka.bootstrapServers(), Codecs.utf8())
            .observationRegistry(tracing.registry()).build();
        KafkaEventSubscriber<String> subscriber = KafkaEventSubscriber
            .builder(kafka.bootstrapServers(), Codecs.utf8())
            .observationRegistry(tracing.registry()).build()) {
      String topic = kafka.newTopicName("traced");
      subscriber.subscribe(topic, "billing", recording(tracing, seen));

      Observation request = Observation.start("request", tracing.registry());
      try (Observation.Scope scope = request.openScope()) {
        publisher.publish(topic, "c-1", "placed").get(60, TimeUnit.SECONDS);
      }
      request.stop();
      SpanData parent = tracing.awaitSpan("request");

      SpanData publish = tracing.awaitSpan(EventObservations.PUBLISH);
      SpanData consume = tracing.awaitSpan(EventObservations.CONSUME);
      assertThat(publish.getParentSpanId()).isEqualTo(parent.getSpanId());
      assertThat(attr(publish, "topic")).isEqualTo(topic);
      assertThat(consume.getTraceId()).isEqualTo(parent.getTraceId());
      assertThat(consume.getParentSpanId()).isEqualTo(publish.getSpanId());
      assertThat(seen).singleElement().satisfies(one -> {
        assertThat(one.traceparent()).startsWith(
            "00-" + publish.getTraceId() + "-" + publish.getSpanId() + "-0");
        assertThat(one.mdcSpanId()).isEqualTo(consume.getSpanId());
      });
    }
  }

  @Test
  void aFailingHandlerCallIsAnErrorSpanAndTheRetryASecondChildOfThePublish() throws Exception {
    List<String> calls = new CopyOnWriteArrayList<>();
    try (TestTracing tracing = TestTracing.start(TraceMdc::new);
        InMemoryEventBus bus = EventBuses.inMemory().partitions(1)
            .observationRegistry(tracing.registry()).build()) {
      RetryPolicy twice = RetryPolicy.builder().maxAttempts(2)
          .initialBackoff(Duration.ofMillis(1)).build();
      bus.subscriber(Codecs.utf8(), twice).subscribe("orders", "billing", event -> {
        calls.add(event.id());
        if (calls.size() == 1) {
          throw new IllegalStateException("first call fails");
        }
      });

      bus.publisher(Codecs.utf8()).publish("orders", "c-1", "placed").get(30, TimeUnit.SECONDS);

      SpanData publish = tracing.awaitSpan(EventObservations.PUBLISH);
      List<SpanData> consumes = tracing.awaitSpans(
          span -> span.getName().equals(EventObservations.CONSUME), 2, "handler calls");
      assertThat(consumes).extracting(SpanData::getParentSpanId)
          .containsOnly(publish.getSpanId());
      assertThat(consumes).extracting(span -> attr(span, "outcome"))
          .containsExactly("error", "success");
    }
  }

  @Test
  @SuppressWarnings("try") // the scope makes the observation current; the body need not name it
  void anOutboxRowCarriesTheWritersContextToTheRelaysPublish(TestInfo info) throws Exception {
    PostgresSchema schema = TestServers.postgres()
        .createSchema("tracing-" + info.getTestMethod().orElseThrow().getName());
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(schema.jdbcUrl());
    dataSource.setUser(schema.user());
    if (schema.password() != null) {
      dataSource.setPassword(schema.password());
    }
    List<Seen> seen = new CopyOnWriteArrayList<>();
    try (TestTracing tracing = TestTracing.start(TraceMdc::new);
        InMemoryEventBus bus = EventBuses.inMemory().partitions(1)
            .observationRegistry(tracing.registry()).build()) {
      Outbox<String> outbox = Outbox.builder(Codecs.utf8())
          .observationRegistry(tracing.registry()).build();
      try (Connection connection = dataSource.getConnection()) {
        outbox.createTable(connection);
      }
      bus.subscriber(Codecs.utf8()).subscribe("orders", "billing", recording(tracing, seen));
      OutboxRelay relay = outbox.relay(dataSource, bus.publisher(Codecs.bytes())).build();

      Observation request = Observation.start("request", tracing.registry());
      try (Observation.Scope scope = request.openScope();
          Connection tx = dataSource.getConnection()) {
        tx.setAutoCommit(false);
        outbox.add(tx, "orders", "c-1", "placed", Map.of("source", "test"));
        tx.commit();
      }
      request.stop();
      assertThat(relay.relayOnce()).isEqualTo(1); // on this thread, outside the request's scope

      SpanData parent = tracing.awaitSpan("request");
      SpanData add = tracing.awaitSpan(EventObservations.OUTBOX_ADD);
      SpanData relayed = tracing.awaitSpan(EventObservations.OUTBOX_RELAY);
      assertThat(add.getParentSpanId()).isEqualTo(parent.getSpanId());
      assertThat(relayed.getTraceId()).isEqualTo(parent.getTraceId());
      assertThat(relayed.getParentSpanId()).isEqualTo(add.getSpanId());
      tracing.awaitSpan(EventObservations.CONSUME);
      assertPublishedUnderAndConsumedFrom(tracing, relayed, seen);
    }
  }

  @Test
  void withoutARegistryNothingIsAddedToTheHeaders() throws Exception {
    List<Event<String>> received = new CopyOnWriteArrayList<>();
    try (InMemoryEventBus bus = EventBuses.inMemory().partitions(1).build()) {
      bus.subscriber(Codecs.utf8()).subscribe("orders", "billing", received::add);
      bus.publisher(Codecs.utf8()).publish("orders", "c-1", "placed", Map.of("a", "b"))
          .get(30, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(60)).until(() -> received.size() == 1);
    }
    assertThat(received).singleElement()
        .satisfies(event -> assertThat(event.headers()).doesNotContainKey("traceparent"));
  }
}
