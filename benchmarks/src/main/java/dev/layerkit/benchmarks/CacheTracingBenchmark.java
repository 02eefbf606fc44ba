package dev.layerkit.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.layerkit.benchmarks.state.BenchTracer;
import dev.layerkit.benchmarks.state.KeyCursor;
import dev.layerkit.cache.CacheAside;
import dev.layerkit.cache.CacheAsideBuilder;
import dev.layerkit.cache.Caches;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What tracing costs a {@link CacheAside} hit (issue 20), over 1,000 warm keys on the in-memory
 * backend, one thread:
 * <ul>
 *   <li>{@code off}: the builder's default, {@link ObservationRegistry#NOOP} (the baseline);</li>
 *   <li>{@code noHandlers}: {@code ObservationRegistry.create()} with no handler registered;</li>
 *   <li>{@code traced}: a real tracer ({@link BenchTracer}) with no observation current on the
 *       calling thread, so the hit looks for a span to mark and finds none;</li>
 *   <li>{@code tracedRequestWithHit} against {@code tracedRequestAlone}: a request's observation
 *       opened around the hit, so the hit adds its event to that span, against the same request
 *       observation without the hit: their difference is what a traced hit costs;</li>
 *   <li>{@code caffeineGetIfPresent}: Caffeine alone, expiring after write, for scale.</li>
 * </ul>
 *
 * <p>Run (after {@code ./mvnw -B -q package -pl benchmarks -am -DskipTests}): {@code java
 * -Djmh.ignoreLock=true -jar benchmarks/target/benchmarks.jar '\.CacheTracingBenchmark\.' -prof gc
 * -rf json -rff /tmp/cache-tracing.json}, then {@code python3 benchmarks/jmh_table.py
 * /tmp/cache-tracing.json off}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CacheTracingBenchmark {

  static final int KEYS = 1_000;
  private static final Duration TTL = Duration.ofHours(1);

  /** One cache, every key loaded. */
  abstract static class Warm {
    final String[] keys = CacheAsideBenchmark.keyNames("");
    final Function<String, String> loader = CacheAsideBenchmark::valueOf;
    CacheAside<String, String> cacheAside;

    void warm(UnaryOperator<CacheAsideBuilder<String, String>> configure) {
      cacheAside = configure.apply(CacheAside.builder(Caches.<String, String>inMemory().maximumSize(10_000))
          .ttl(TTL)).build();
      for (String key : keys) {
        cacheAside.get(key, loader);
      }
      System.gc();
    }
  }

  /** The default builder, and Caffeine beside it. */
  @State(Scope.Benchmark)
  public static class Off extends Warm {
    Cache<String, String> caffeine;

    /** Fills both. */
    @Setup
    public void setUp() {
      caffeine = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(TTL).build();
      for (String key : keys) {
        caffeine.put(key, loader.apply(key));
      }
      warm(builder -> builder);
    }
  }

  /** A registry without handlers. */
  @State(Scope.Benchmark)
  public static class NoHandlers extends Warm {
    /** Fills the cache. */
    @Setup
    public void setUp() {
      warm(builder -> builder.observationRegistry(ObservationRegistry.create()));
    }
  }

  /** A real tracer. */
  @State(Scope.Benchmark)
  public static class Traced extends Warm {
    BenchTracer tracer;

    /** Fills the cache. */
    @Setup
    public void setUp() {
      tracer = new BenchTracer();
      warm(builder -> builder.observationRegistry(tracer.registry()));
    }

    /** Stops the tracer. */
    @TearDown
    public void tearDown() {
      tracer.close();
    }
  }

  /** The anchor for scale: Caffeine's {@code getIfPresent}. */
  @Benchmark
  public String caffeineGetIfPresent(Off state, KeyCursor cursor) {
    return state.caffeine.getIfPresent(cursor.next(state.keys));
  }

  /** A hit with the default, no-op registry: the baseline. */
  @Benchmark
  public String off(Off state, KeyCursor cursor) {
    return state.cacheAside.get(cursor.next(state.keys), state.loader);
  }

  /** A hit with a registry that has no handler. */
  @Benchmark
  public String noHandlers(NoHandlers state, KeyCursor cursor) {
    return state.cacheAside.get(cursor.next(state.keys), state.loader);
  }

  /** A hit with a tracer and no span current. */
  @Benchmark
  public String traced(Traced state, KeyCursor cursor) {
    return state.cacheAside.get(cursor.next(state.keys), state.loader);
  }

  /** A request's span around a hit, which adds its event to the span. */
  @Benchmark
  @SuppressWarnings("try") // the scope makes the observation current; the body need not name it
  public String tracedRequestWithHit(Traced state, KeyCursor cursor) {
    Observation request = Observation.start("request", state.tracer.registry());
    try (Observation.Scope scope = request.openScope()) {
      return state.cacheAside.get(cursor.next(state.keys), state.loader);
    } finally {
      request.stop();
    }
  }

  /** The same request's span without the hit. */
  @Benchmark
  @SuppressWarnings("try") // the scope makes the observation current; the body need not name it
  public String tracedRequestAlone(Traced state, KeyCursor cursor) {
    Observation request = Observation.start("request", state.tracer.registry());
    try (Observation.Scope scope = request.openScope()) {
      return cursor.next(state.keys);
    } finally {
      request.stop();
    }
  }
}
