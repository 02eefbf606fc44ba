package dev.layerkit.benchmarks;

import dev.layerkit.benchmarks.state.BenchTracer;
import dev.layerkit.benchmarks.state.LoopbackGateway;
import dev.layerkit.gateway.http.Gateway;
import io.micrometer.observation.ObservationRegistry;
import java.io.IOException;
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
 * What tracing costs the gateway's request path (issue 20): one {@code GET} through a {@link
 * Gateway} on loopback ({@link LoopbackGateway}: a kept-alive client socket, the gateway on one
 * event loop, an upstream answering a fixed 200), one request at a time:
 * <ul>
 *   <li>{@code off}: the builder's default, {@link ObservationRegistry#NOOP} (the baseline);</li>
 *   <li>{@code noHandlers}: {@code ObservationRegistry.create()} with no handler registered;</li>
 *   <li>{@code traced}: a real tracer ({@link BenchTracer}): a server span per request, a client
 *       span per upstream try with the pick as its event, and the try's {@code traceparent}
 *       written into the upstream request.</li>
 * </ul>
 * The time per request includes the client's and the upstream's work and three threads handing
 * off over loopback on a 2-core machine, the same on every side; the gateway's own share is
 * smaller, so a ratio here understates the relative cost to the gateway alone.
 *
 * <p>Run (after {@code ./mvnw -B -q package -pl benchmarks -am -DskipTests}): {@code java
 * -Djmh.ignoreLock=true -jar benchmarks/target/benchmarks.jar '\.GatewayTracingBenchmark\.' -prof gc
 * -rf json -rff /tmp/gateway-tracing.json}, then {@code python3 benchmarks/jmh_table.py
 * /tmp/gateway-tracing.json off}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class GatewayTracingBenchmark {

  /** A gateway on loopback. */
  abstract static class Loop {
    LoopbackGateway loop;

    void open(UnaryOperator<Gateway.Builder> configure) throws IOException, InterruptedException {
      loop = new LoopbackGateway(configure);
      if (loop.request() != 200) {
        throw new IllegalStateException("the gateway did not answer 200");
      }
    }

    /**
     * Closes the gateway, the upstream and the client.
     *
     * @throws IOException if the client's socket fails to close
     */
    @TearDown
    public void close() throws IOException {
      loop.close();
    }
  }

  /** The default builder. */
  @State(Scope.Benchmark)
  public static class Off extends Loop {
    /**
     * Starts the gateway.
     *
     * @throws Exception if it cannot start
     */
    @Setup
    public void setUp() throws Exception {
      open(builder -> builder);
    }
  }

  /** A registry without handlers. */
  @State(Scope.Benchmark)
  public static class NoHandlers extends Loop {
    /**
     * Starts the gateway.
     *
     * @throws Exception if it cannot start
     */
    @Setup
    public void setUp() throws Exception {
      open(builder -> builder.observationRegistry(ObservationRegistry.create()));
    }
  }

  /** A real tracer. */
  @State(Scope.Benchmark)
  public static class Traced extends Loop {
    BenchTracer tracer;

    /**
     * Starts the gateway.
     *
     * @throws Exception if it cannot start
     */
    @Setup
    public void setUp() throws Exception {
      tracer = new BenchTracer();
      open(builder -> builder.observationRegistry(tracer.registry()));
    }

    /** Fails the run if no span was made, and stops the tracer. */
    @TearDown
    public void stopTracer() {
      long spans = tracer.exported();
      tracer.close();
      if (spans == 0) {
        throw new IllegalStateException("the traced requests made no spans");
      }
    }
  }

  /** A request with the default, no-op registry: the baseline. */
  @Benchmark
  public int off(Off state) {
    return state.loop.request();
  }

  /** A request with a registry that has no handler. */
  @Benchmark
  public int noHandlers(NoHandlers state) {
    return state.loop.request();
  }

  /** A request with a tracer: a server and a client span, the context sent upstream. */
  @Benchmark
  public int traced(Traced state) {
    return state.loop.request();
  }
}
