package dev.layerkit.core.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.handler.TracingObservationHandler;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;
import org.slf4j.spi.MDCAdapter;

/**
 * Puts the trace and span ids of an observation in SLF4J's MDC (keys {@value #TRACE_ID} and
 * {@value #SPAN_ID}) while its scope is open, so that a log pattern such as {@code
 * %X{traceId}/%X{spanId}} prints them for whatever Layerkit logs while it runs a request's work
 * (a subscriber's handler, a service call, a gateway filter). Register it on the same {@link
 * io.micrometer.observation.ObservationRegistry} as the tracer's handlers:
 *
 * <pre>{@code
 * registry.observationConfig()
 *     .observationHandler(new FirstMatchingCompositeObservationHandler(
 *         new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
 *         new PropagatingReceiverTracingObservationHandler<>(tracer, propagator),
 *         new DefaultTracingObservationHandler(tracer)))
 *     .observationHandler(new TraceMdc());
 * }</pre>
 *
 * <p>It reads the span the tracing handler attached to the observation's context, so it works
 * with either Micrometer Tracing bridge (OpenTelemetry or Brave) and needs {@code
 * io.micrometer:micrometer-tracing} on the class path; an observation without a span leaves the
 * MDC as it is. When a scope closes the values from before it are put back, so nested scopes
 * (a store write inside a service call) restore their parent's ids. Scopes nest per thread, which
 * is how a thread-local stack of the previous values stays right.
 *
 * <p>Thread-safe: one instance serves every thread. A scope opened without a matching close
 * (a bug in the caller) leaves its ids on that thread until the next close.
 */
public final class TraceMdc implements ObservationHandler<Observation.Context> {

  /** The MDC key of the trace id (32 hex digits). */
  public static final String TRACE_ID = "traceId";
  /** The MDC key of the span id (16 hex digits). */
  public static final String SPAN_ID = "spanId";

  private static final ThreadLocal<ArrayDeque<@Nullable String[]>> PREVIOUS =
      ThreadLocal.withInitial(ArrayDeque::new);

  private final @Nullable MDCAdapter adapter;

  /** Creates the handler for SLF4J's {@link MDC}, whichever logging backend serves it. */
  public TraceMdc() {
    this.adapter = null;
  }

  /**
   * Creates the handler for one MDC adapter, for a logging setup that keeps its own (and for
   * tests: slf4j-simple's MDC keeps nothing).
   *
   * @param adapter where the ids go
   * @throws NullPointerException if {@code adapter} is null
   */
  public TraceMdc(MDCAdapter adapter) {
    this.adapter = java.util.Objects.requireNonNull(adapter, "adapter");
  }

  private MDCAdapter mdc() {
    MDCAdapter fixed = adapter;
    return fixed != null ? fixed : MDC.getMDCAdapter();
  }

  @Override
  public void onScopeOpened(Observation.Context context) {
    TracingObservationHandler.TracingContext tracing =
        context.get(TracingObservationHandler.TracingContext.class);
    Span span = tracing == null ? null : tracing.getSpan();
    MDCAdapter mdc = mdc();
    @Nullable String[] previous = {mdc.get(TRACE_ID), mdc.get(SPAN_ID)};
    PREVIOUS.get().push(previous);
    if (span != null && !span.isNoop()) {
      TraceContext ids = span.context();
      mdc.put(TRACE_ID, ids.traceId());
      mdc.put(SPAN_ID, ids.spanId());
    }
  }

  @Override
  public void onScopeClosed(Observation.Context context) {
    @Nullable String[] previous = PREVIOUS.get().poll();
    if (previous == null) {
      return;
    }
    MDCAdapter mdc = mdc();
    restore(mdc, TRACE_ID, previous[0]);
    restore(mdc, SPAN_ID, previous[1]);
  }

  private static void restore(MDCAdapter mdc, String key, @Nullable String value) {
    if (value == null) {
      mdc.remove(key);
    } else {
      mdc.put(key, value);
    }
  }

  @Override
  public boolean supportsContext(Observation.Context context) {
    return true;
  }
}
