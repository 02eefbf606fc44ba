package dev.layerkit.benchmarks;

import dev.layerkit.benchmarks.state.BenchTracer;
import dev.layerkit.benchmarks.state.KeyCursor;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.events.EventBuses;
import dev.layerkit.events.EventPublisher;
import dev.layerkit.events.InMemoryEventBus;
import dev.layerkit.events.PublishReceipt;
import io.micrometer.observation.ObservationRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What tracing costs a publish to the in-memory bus (issue 20): {@code EventPublisher.publish} of
 * a 100-byte payload to one partition with no subscriber (plain retention, so the publish never
 * waits and the time is the publish path's alone), one thread:
 * <ul>
 *   <li>{@code off}: the builder's default, {@link ObservationRegistry#NOOP} (the baseline);</li>
 *   <li>{@code noHandlers}: {@code ObservationRegistry.create()} with no handler registered;</li>
 *   <li>{@code traced}: a real tracer ({@link BenchTracer}): a producer span per publish, its
 *       {@code traceparent} written into the event's headers.</li>
 * </ul>
 *
 * <p>Run (after {@code ./mvnw -B -q package -pl benchmarks -am -DskipTests}): {@code java
 * -Djmh.ignoreLock=true -jar benchmarks/target/benchmarks.jar '\.PublishTracingBenchmark\.' -prof gc
 * -rf json -rff /tmp/publish-tracing.json}, then {@code python3 benchmarks/jmh_table.py
 * /tmp/publish-tracing.json off}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PublishTracingBenchmark {

  static final String[] KEYS = {"customer-1", "customer-2", "customer-3", "customer-4"};

  /** A bus and its publisher. */
  abstract static class Bus {
    final byte[] payload = new byte[100];
    InMemoryEventBus bus;
    EventPublisher<byte[]> publisher;

    void open(UnaryOperator<EventBuses.InMemoryBuilder> configure) {
      bus = configure.apply(EventBuses.inMemory().partitions(1).retention(1_024)).build();
      publisher = bus.publisher(Codecs.bytes());
    }

    /** Closes the bus. */
    @TearDown
    public void close() {
      bus.close();
    }
  }

  /** The default builder. */
  @State(Scope.Benchmark)
  public static class Off extends Bus {
    /** Opens the bus. */
    @Setup
    public void setUp() {
      open(builder -> builder);
    }
  }

  /** A registry without handlers. */
  @State(Scope.Benchmark)
  public static class NoHandlers extends Bus {
    /** Opens the bus. */
    @Setup
    public void setUp() {
      open(builder -> builder.observationRegistry(ObservationRegistry.create()));
    }
  }

  /** A real tracer. */
  @State(Scope.Benchmark)
  public static class Traced extends Bus {
    BenchTracer tracer;

    /** Opens the bus. */
    @Setup
    public void setUp() {
      tracer = new BenchTracer();
      open(builder -> builder.observationRegistry(tracer.registry()));
    }

    /** Fails the run if no span was made, and stops the tracer. */
    @TearDown
    public void stopTracer() {
      long spans = tracer.exported();
      tracer.close();
      if (spans == 0) {
        throw new IllegalStateException("the traced publishes made no spans");
      }
    }
  }

  /** A publish with the default, no-op registry: the baseline. */
  @Benchmark
  public CompletableFuture<PublishReceipt> off(Off state, KeyCursor cursor) {
    return state.publisher.publish("bench", cursor.next(KEYS), state.payload);
  }

  /** A publish with a registry that has no handler. */
  @Benchmark
  public CompletableFuture<PublishReceipt> noHandlers(NoHandlers state, KeyCursor cursor) {
    return state.publisher.publish("bench", cursor.next(KEYS), state.payload);
  }

  /** A publish with a tracer: a producer span, its context in the event's headers. */
  @Benchmark
  public CompletableFuture<PublishReceipt> traced(Traced state, KeyCursor cursor) {
    return state.publisher.publish("bench", cursor.next(KEYS), state.payload);
  }
}
