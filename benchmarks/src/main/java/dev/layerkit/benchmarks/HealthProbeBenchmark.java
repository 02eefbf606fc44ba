package dev.layerkit.benchmarks;

import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.infra.HealthRegistry;
import dev.layerkit.infra.HealthReport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a readiness probe costs in process: {@link HealthRegistry#report(String)} over three checks
 * with results cached ({@code cacheMillis=1000}) and uncached ({@code 0}: every probe hands each
 * check to the executor and waits), beside the anchor, calling the three checks directly on the
 * probing thread as a hand-written endpoint would. Each check is an in-memory probe, so the figures
 * are the registry's own overhead. Four threads probe at once.
 *
 * <p>The probe over HTTP, with backend touches counted per cache interval, is measured by
 * {@code HealthProbeLoad} in {@code sdk-infra}'s tests.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar HealthProbeBenchmark -prof gc}
 * (after {@code ./mvnw -B -q package -pl benchmarks -am -DskipTests}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(4)
public class HealthProbeBenchmark {

  @Param({"1000", "0"})
  long cacheMillis;

  /** Calls that reached a check; the checks count them as a backend would see them. */
  final AtomicLong backendTouches = new AtomicLong();
  List<HealthCheck> checks;
  HealthRegistry registry;

  /** Registers three checks that count their calls. */
  @Setup(Level.Trial)
  public void setUp() {
    checks = List.of(check("redis"), check("postgres"), check("kafka"));
    registry = HealthRegistry.builder().cacheInterval(Duration.ofMillis(cacheMillis)).build();
    checks.forEach(registry::register);
  }

  private HealthCheck check(String name) {
    Health up = Health.up().build();
    return HealthCheck.of(name, () -> {
      backendTouches.incrementAndGet();
      return up;
    });
  }

  /** Stops the registry's executor. */
  @TearDown(Level.Trial)
  public void tearDown() {
    registry.close();
  }

  /** Anchor: the three checks called in turn on the probing thread, no timeout, no cache. */
  @Benchmark
  public HealthStatus directChecks() {
    HealthStatus status = HealthStatus.UP;
    for (HealthCheck check : checks) {
      status = status.and(check.check().status());
    }
    return status;
  }

  /** Layerkit: parallel checks with timeouts, cached or not by the parameter. */
  @Benchmark
  public HealthReport registryReport() {
    return registry.report(HealthRegistry.READINESS);
  }
}
