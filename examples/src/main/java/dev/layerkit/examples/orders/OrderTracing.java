package dev.layerkit.examples.orders;

import dev.layerkit.core.observation.TraceMdc;
import io.micrometer.observation.ObservationHandler.FirstMatchingCompositeObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.concurrent.TimeUnit;

/**
 * The order system's tracer: Micrometer Tracing over the OpenTelemetry SDK, W3C trace context,
 * {@link TraceMdc} for the logs. With {@code --otlp=URL} (an OTLP/HTTP traces endpoint such as
 * {@code http://localhost:4318/v1/traces}) spans are batched to it; otherwise each finished trace
 * is logged as a tree ({@link TraceTreeLog}).
 *
 * <p>Thread-safe; close it last, after the system, so the last spans are exported.
 */
final class OrderTracing implements AutoCloseable {

  private final SdkTracerProvider provider;
  private final ObservationRegistry registry = ObservationRegistry.create();

  private OrderTracing(SpanProcessor processor, String serviceName) {
    this.provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(
            Attributes.builder().put("service.name", serviceName).build())))
        .addSpanProcessor(processor).build();
    io.opentelemetry.api.trace.Tracer otel = provider.get("dev.layerkit.examples.orders");
    OtelTracer tracer = new OtelTracer(otel, new OtelCurrentTraceContext(), event -> { });
    OtelPropagator propagator = new OtelPropagator(
        ContextPropagators.create(W3CTraceContextPropagator.getInstance()), otel);
    registry.observationConfig()
        .observationHandler(new FirstMatchingCompositeObservationHandler(
            new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
            new PropagatingReceiverTracingObservationHandler<>(tracer, propagator),
            new DefaultTracingObservationHandler(tracer)))
        .observationHandler(new TraceMdc());
  }

  /**
   * Exports to an OTLP/HTTP endpoint, in batches off the request threads.
   *
   * @param url the traces endpoint
   * @param serviceName the {@code service.name} resource attribute
   * @return the tracer
   * @throws IllegalArgumentException if {@code url} is not an http(s) URL
   */
  static OrderTracing otlp(String url, String serviceName) {
    if (!url.startsWith("http://") && !url.startsWith("https://")) {
      throw new IllegalArgumentException("--otlp must be an http(s) URL of an OTLP/HTTP traces"
          + " endpoint (e.g. http://localhost:4318/v1/traces) but was '" + url + "'");
    }
    SpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(url).build();
    return new OrderTracing(BatchSpanProcessor.builder(exporter).build(), serviceName);
  }

  /**
   * Logs every finished trace as a tree.
   *
   * @param serviceName the {@code service.name} resource attribute
   * @return the tracer
   */
  static OrderTracing logging(String serviceName) {
    return new OrderTracing(SimpleSpanProcessor.create(new TraceTreeLog()), serviceName);
  }

  /** The registry every block of the system reports to. */
  ObservationRegistry registry() {
    return registry;
  }

  @Override
  public void close() {
    provider.forceFlush().join(10, TimeUnit.SECONDS);
    provider.close();
  }
}
