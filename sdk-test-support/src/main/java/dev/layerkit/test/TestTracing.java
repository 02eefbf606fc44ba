package dev.layerkit.test;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationHandler.FirstMatchingCompositeObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.micrometer.tracing.propagation.Propagator;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.spi.MDCAdapter;

/**
 * A real tracer for tests of Layerkit's observations: Micrometer Tracing's OpenTelemetry bridge
 * over the OpenTelemetry SDK, W3C trace-context propagation, an optional MDC handler (Layerkit's
 * {@code dev.layerkit.core.observation.TraceMdc}), and every finished
 * span kept in memory (OpenTelemetry's {@link InMemorySpanExporter}).
 *
 * <pre>{@code
 * try (TestTracing tracing = TestTracing.start()) {
 *   Gateway gateway = Gateway.builder()...observationRegistry(tracing.registry()).build();
 *   ...
 *   SpanData server = tracing.awaitSpan("layerkit.gateway.request");
 * }
 * }</pre>
 *
 * <p>Needs, with {@code <scope>test</scope>}: {@code io.micrometer:micrometer-tracing-bridge-otel}
 * and {@code io.opentelemetry:opentelemetry-sdk-testing}. Thread-safe: spans may end on any
 * thread, and {@link #awaitSpan} waits for them without sleeping (the exporter signals).
 */
public final class TestTracing implements AutoCloseable {

  /** How long the await methods wait for a span before they fail the test. */
  public static final long TIMEOUT_SECONDS = 60;

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final Object signal = new Object();
  private final SdkTracerProvider provider;
  private final OtelTracer tracer;
  private final Propagator propagator;
  private final ObservationRegistry registry = ObservationRegistry.create();
  /** The MDC {@link TraceMdc} writes to: the test logger's (slf4j-simple) keeps nothing. */
  private final BasicMDCAdapter mdc = new BasicMDCAdapter();

  private TestTracing(
      Function<MDCAdapter, ObservationHandler<Observation.Context>> mdcHandler) {
    // OpenTelemetry finds its context storage through ServiceLoader (reading jar files) the first
    // time a context is asked for: here, on the test's thread, as an application's startup would,
    // rather than on the first event loop that observes a request (BlockHound would rightly flag
    // that read).
    io.opentelemetry.context.Context.current();
    provider = SdkTracerProvider.builder()
        .addSpanProcessor(SimpleSpanProcessor.create(new Signalling())).build();
    io.opentelemetry.api.trace.Tracer otel = provider.get("layerkit-test");
    tracer = new OtelTracer(otel, new OtelCurrentTraceContext(), event -> { });
    propagator = new OtelPropagator(
        ContextPropagators.create(W3CTraceContextPropagator.getInstance()), otel);
    registry.observationConfig()
        .observationHandler(new FirstMatchingCompositeObservationHandler(
            new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
            new PropagatingReceiverTracingObservationHandler<>(tracer, propagator),
            new DefaultTracingObservationHandler(tracer)))
        .observationHandler(mdcHandler.apply(mdc));
  }

  /**
   * Starts a tracer of its own (no global OpenTelemetry state is touched).
   *
   * @return the tracer, to close after the test
   */
  public static TestTracing start() {
    return new TestTracing(mdc -> new ObservationHandler<>() {
      @Override
      public boolean supportsContext(Observation.Context context) {
        return false;
      }
    });
  }

  /**
   * Starts a tracer of its own whose registry also runs an MDC handler on {@link #mdc()}, for
   * tests of log correlation: {@code TestTracing.start(TraceMdc::new)}.
   *
   * @param mdcHandler makes the handler from the MDC it writes to
   * @return the tracer, to close after the test
   */
  public static TestTracing start(
      Function<MDCAdapter, ObservationHandler<Observation.Context>> mdcHandler) {
    return new TestTracing(mdcHandler);
  }

  /** The registry to give the blocks under test. */
  public ObservationRegistry registry() {
    return registry;
  }

  /** The tracer, for spans a test makes itself. */
  public Tracer tracer() {
    return tracer;
  }

  /**
   * The MDC the registry's MDC handler fills (per thread, with {@link #start(Function)}), read by tests where code under
   * test runs: slf4j-simple, the tests' logger, has no MDC of its own.
   */
  public BasicMDCAdapter mdc() {
    return mdc;
  }

  /** The propagator (W3C trace context). */
  public Propagator propagator() {
    return propagator;
  }

  /** Every span finished so far, in the order they ended. */
  public List<SpanData> spans() {
    return spans.getFinishedSpanItems();
  }

  /**
   * Waits for a finished span with the given name and returns the first one.
   *
   * @param name the span's name
   * @return the span
   * @throws AssertionError if none ends within {@link #TIMEOUT_SECONDS}, listing those that did
   */
  public SpanData awaitSpan(String name) {
    return awaitSpans(span -> span.getName().equals(name), 1, name).get(0);
  }

  /**
   * Waits until at least {@code count} finished spans match and returns them.
   *
   * @param match which spans count
   * @param count how many to wait for
   * @param what what they are, for the failure message
   * @return the matching spans, in the order they ended
   * @throws AssertionError if fewer end within {@link #TIMEOUT_SECONDS}
   */
  public List<SpanData> awaitSpans(Predicate<SpanData> match, int count, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
    synchronized (signal) {
      while (true) {
        List<SpanData> found = spans().stream().filter(match).toList();
        if (found.size() >= count) {
          return found;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("expected " + count + " finished span(s) " + what + " within "
              + TIMEOUT_SECONDS + " s but got " + found.size() + "; finished: " + describe());
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(signal, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted while waiting for " + what, e);
        }
      }
    }
  }

  /** The finished spans as {@code name(spanId<-parentId)}, for failure messages. */
  public String describe() {
    StringBuilder text = new StringBuilder();
    for (SpanData span : spans()) {
      text.append(span.getName()).append('(').append(span.getSpanId()).append("<-")
          .append(span.getParentSpanId()).append(") ");
    }
    return text.toString();
  }

  /**
   * Starts and ends a span as a client would, and returns the W3C headers a client sends to
   * continue it ({@code traceparent}).
   *
   * @param name the client span's name
   * @return the span's ids and headers
   */
  public ClientSpan clientSpan(String name) {
    Span span = tracer.nextSpan().name(name).start();
    Map<String, String> headers = new LinkedHashMap<>();
    propagator.inject(span.context(), headers, Map::put);
    span.end();
    return new ClientSpan(span.context().traceId(), span.context().spanId(), Map.copyOf(headers));
  }

  /**
   * A span a test made as a remote client.
   *
   * @param traceId its trace id
   * @param spanId its span id
   * @param headers the headers that carry it ({@code traceparent})
   */
  public record ClientSpan(String traceId, String spanId, Map<String, String> headers) {
    /** The {@code traceparent} header's value. */
    public String traceparent() {
      return headers.get("traceparent");
    }
  }

  @Override
  public void close() {
    provider.close();
  }

  /** Keeps spans in the in-memory exporter and wakes the waiters. */
  private final class Signalling implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> finished) {
      CompletableResultCode result = spans.export(finished);
      synchronized (signal) {
        signal.notifyAll();
      }
      return result;
    }

    @Override
    public CompletableResultCode flush() {
      return spans.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }
}
