package dev.layerkit.benchmarks.state;

import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.micrometer.observation.ObservationHandler.FirstMatchingCompositeObservationHandler;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.concurrent.atomic.LongAdder;

/**
 * A real tracer for the tracing-overhead benchmarks, set up as the README's tracing section tells
 * users to: Micrometer Tracing's OpenTelemetry bridge over the OpenTelemetry SDK (every span
 * sampled), W3C propagation, the sender, receiver and default tracing handlers on an {@link
 * ObservationRegistry}. Finished spans go through a {@link SimpleSpanProcessor} (on the thread
 * that ends the span) to an exporter that counts and drops them, so a benchmark measures the
 * tracer's work per span (start, attributes, scope, end, conversion to {@link SpanData}) and no
 * I/O. Thread-safe.
 */
public final class BenchTracer implements AutoCloseable {

  private final SdkTracerProvider provider;
  private final ObservationRegistry registry = ObservationRegistry.create();
  private final LongAdder exported = new LongAdder();

  /** Builds the tracer and registers its handlers. */
  public BenchTracer() {
    // OpenTelemetry finds its context storage the first time a context is asked for: here, not in
    // the first measured call.
    io.opentelemetry.context.Context.current();
    provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(new Dropping())).build();
    io.opentelemetry.api.trace.Tracer otel = provider.get("layerkit-bench");
    OtelTracer tracer = new OtelTracer(otel, new OtelCurrentTraceContext(), event -> { });
    OtelPropagator propagator = new OtelPropagator(
        ContextPropagators.create(W3CTraceContextPropagator.getInstance()), otel);
    registry.observationConfig().observationHandler(new FirstMatchingCompositeObservationHandler(
        new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
        new PropagatingReceiverTracingObservationHandler<>(tracer, propagator),
        new DefaultTracingObservationHandler(tracer)));
  }

  /** The registry to give the blocks under measurement. */
  public ObservationRegistry registry() {
    return registry;
  }

  /** How many spans have ended and been exported, to check that spans were made at all. */
  public long exported() {
    return exported.sum();
  }

  @Override
  public void close() {
    provider.close();
  }

  /** Counts and drops spans. */
  private final class Dropping implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      exported.add(spans.size());
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }
}
