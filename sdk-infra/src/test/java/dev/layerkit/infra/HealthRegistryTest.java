package dev.layerkit.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.health.Health;
import dev.layerkit.core.health.HealthCheck;
import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.test.Concurrently;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HealthRegistryTest {

  private final ManualTimeSource time = new ManualTimeSource();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void tearDown() throws Exception {
    release.countDown();
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  private HealthRegistry registry(Duration timeout, Duration cacheInterval) {
    HealthRegistry registry = HealthRegistry.builder()
        .timeSource(time).checkTimeout(timeout).cacheInterval(cacheInterval).build();
    closeables.add(registry);
    return registry;
  }

  private HealthCheck blocking(String name, AtomicInteger calls) {
    return HealthCheck.of(name, () -> {
      calls.incrementAndGet();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return Health.up().build();
    });
  }

  @Test
  void manyConcurrentReadersTouchTheBackendOncePerCacheInterval() throws Exception {
    HealthRegistry registry = registry(Duration.ofSeconds(5), Duration.ofSeconds(2));
    AtomicInteger calls = new AtomicInteger();
    registry.register(HealthCheck.of("db", () -> {
      calls.incrementAndGet();
      return Health.up().build();
    }));
    ExecutorService readers = Executors.newFixedThreadPool(32);
    closeables.add(readers::shutdownNow);

    runReaders(registry, readers, 32, 200);
    assertThat(calls).as("one call for 6,400 reports within one interval").hasValue(1);

    time.advance(Duration.ofMillis(1_999));
    runReaders(registry, readers, 32, 50);
    assertThat(calls).as("still fresh").hasValue(1);

    time.advance(Duration.ofMillis(1));
    runReaders(registry, readers, 32, 200);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(calls).as("one background refresh once the interval has passed").hasValue(2));
    runReaders(registry, readers, 32, 200);
    assertThat(calls).as("fresh again").hasValue(2);
  }

  @Test
  void servesTheStaleResultWhileRefreshingInTheBackgroundButNeverTooOldAResult() {
    HealthRegistry registry = registry(Duration.ofSeconds(5), Duration.ofSeconds(1));
    AtomicInteger calls = new AtomicInteger();
    registry.register(HealthCheck.of("db", () -> {
      int call = calls.incrementAndGet();
      if (call == 2) {
        try {
          release.await();   // the backend is slow this time
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return Health.up().detail("call", call).build();
    }));
    assertThat(registry.report().check("db").health().detail("call")).isEqualTo(1);

    time.advance(Duration.ofMillis(1_500));
    assertThat(registry.report().check("db").health().detail("call")).as("stale, not waiting").isEqualTo(1);
    assertThat(registry.report().check("db").health().detail("call")).isEqualTo(1);
    release.countDown();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(registry.report().check("db").health().detail("call")).isEqualTo(2));

    time.advance(Duration.ofSeconds(7));   // past interval plus timeout: too old to serve
    assertThat(registry.report().check("db").health().detail("call")).isEqualTo(3);
    assertThat(calls).hasValue(3);
  }

  private static void runReaders(HealthRegistry registry, ExecutorService readers, int threads, int reads)
      throws Exception {
    Concurrently.run(readers, threads, () -> {
      for (int i = 0; i < reads; i++) {
        assertThat(registry.report(HealthRegistry.READINESS).status()).isEqualTo(HealthStatus.UP);
      }
    });
  }

  @Test
  void runsChecksInParallel() {
    HealthRegistry registry = registry(Duration.ofSeconds(10), Duration.ZERO);
    // Each check waits for the other to have started: both pass only if they run at once.
    CyclicBarrier bothRunning = new CyclicBarrier(2);
    for (String name : List.of("a", "b")) {
      registry.register(HealthCheck.of(name, () -> {
        try {
          bothRunning.await(5, TimeUnit.SECONDS);
          return Health.up().build();
        } catch (Exception e) {
          return Health.down(e).build();
        }
      }));
    }
    HealthReport report = registry.report(HealthRegistry.READINESS);
    assertThat(report.status()).isEqualTo(HealthStatus.UP);
    assertThat(report.checks()).extracting(HealthReport.CheckResult::name).containsExactly("a", "b");
  }

  @Test
  void slowCheckIsDownWithTimedOutAfterAndDoesNotDelayTheOthers() {
    HealthRegistry registry = registry(Duration.ofMillis(200), Duration.ofSeconds(1));
    AtomicInteger slowCalls = new AtomicInteger();
    registry.register(blocking("slow", slowCalls));
    registry.register(HealthCheck.of("fast", () -> Health.up().build()));

    HealthReport report = registry.report(HealthRegistry.READINESS);

    assertThat(report.status()).isEqualTo(HealthStatus.DOWN);
    HealthReport.CheckResult slow = report.check("slow");
    assertThat(slow).isNotNull();
    assertThat(slow.health().status()).isEqualTo(HealthStatus.DOWN);
    assertThat(slow.health().detail("reason")).isEqualTo("timed out after 200 ms");
    assertThat(slow.health().duration()).isEqualTo(Duration.ofMillis(200));
    HealthReport.CheckResult fast = report.check("fast");
    assertThat(fast).isNotNull();
    assertThat(fast.health().status()).isEqualTo(HealthStatus.UP);
  }

  @Test
  void aCheckMayHaveItsOwnTimeout() {
    HealthRegistry registry = registry(Duration.ofSeconds(30), Duration.ofSeconds(1));
    registry.register(blocking("kafka", new AtomicInteger()), true, Duration.ofMillis(50), HealthRegistry.READINESS);
    HealthReport report = registry.report(HealthRegistry.READINESS);
    assertThat(report.check("kafka").health().detail("reason")).isEqualTo("timed out after 50 ms");
    assertThatThrownBy(() -> registry.register(HealthCheck.of("x", () -> Health.up().build()), true, Duration.ZERO,
        HealthRegistry.READINESS))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout must be > 0 but was PT0S");
  }

  @Test
  void hungCheckIsNotCalledAgainUntilItReturns() {
    HealthRegistry registry = registry(Duration.ofMillis(100), Duration.ofSeconds(1));
    AtomicInteger calls = new AtomicInteger();
    registry.register(blocking("hung", calls));

    assertThat(registry.report().check("hung").health().detail("reason")).isEqualTo("timed out after 100 ms");
    time.advance(Duration.ofSeconds(2));
    HealthReport again = registry.report();
    assertThat(again.check("hung").health().detail("reason"))
        .isEqualTo("timed out after 100 ms (previous call still running)");
    assertThat(calls).hasValue(1);

    release.countDown();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      time.advance(Duration.ofSeconds(2));
      assertThat(registry.report().status()).isEqualTo(HealthStatus.UP);
    });
    assertThat(calls).hasValue(2);
  }

  @Test
  void nonCriticalDownDegradesAndCriticalDownTakesTheGroupDown() {
    HealthRegistry registry = registry(Duration.ofSeconds(5), Duration.ZERO);
    registry.register(HealthCheck.of("cache", () -> Health.down("connection refused").build()), false,
        HealthRegistry.READINESS);
    registry.register(HealthCheck.of("db", () -> Health.up().build()));
    assertThat(registry.report(HealthRegistry.READINESS).status()).isEqualTo(HealthStatus.DEGRADED);

    registry.register(HealthCheck.of("broker", () -> Health.down("no leader").build()));
    HealthReport report = registry.report(HealthRegistry.READINESS);
    assertThat(report.status()).isEqualTo(HealthStatus.DOWN);
    assertThat(report.check("cache").effectiveStatus()).isEqualTo(HealthStatus.DEGRADED);
  }

  @Test
  void throwingOrNullCheckIsDownWithoutStackTrace() {
    HealthRegistry registry = registry(Duration.ofSeconds(5), Duration.ZERO);
    registry.register(HealthCheck.of("boom", () -> {
      throw new IllegalStateException("pool exhausted");
    }));
    registry.register(HealthCheck.of("null", () -> null));
    HealthReport report = registry.report();
    assertThat(report.check("boom").health().detail("error"))
        .isEqualTo("java.lang.IllegalStateException: pool exhausted");
    assertThat(report.check("null").health().detail("reason")).isEqualTo("check returned null");
  }

  @Test
  void groupsSelectChecks() {
    HealthRegistry registry = registry(Duration.ofSeconds(5), Duration.ZERO);
    registry.register(HealthCheck.of("deadlocks", () -> Health.down("deadlock").build()), true,
        HealthRegistry.LIVENESS);
    registry.register(HealthCheck.of("db", () -> Health.up().build()), true, HealthRegistry.READINESS,
        HealthRegistry.STARTUP);
    assertThat(registry.report(HealthRegistry.LIVENESS).status()).isEqualTo(HealthStatus.DOWN);
    assertThat(registry.report(HealthRegistry.READINESS).checks()).extracting(HealthReport.CheckResult::name)
        .containsExactly("db");
    assertThat(registry.report("no-such-group")).isEqualTo(new HealthReport(HealthStatus.UP, List.of()));
    assertThat(registry.report().checks()).hasSize(2);
  }

  @Test
  void phaseTurnsReadinessDownAtOnceDespiteTheCache() {
    HealthRegistry registry = registry(Duration.ofSeconds(5), Duration.ofHours(1));
    registry.register(HealthCheck.of("db", () -> Health.up().build()), true, HealthRegistry.READINESS,
        HealthRegistry.LIVENESS);
    assertThat(registry.report(HealthRegistry.READINESS).status()).isEqualTo(HealthStatus.UP);

    registry.phase(HealthRegistry.Phase.STOPPING);
    HealthReport ready = registry.report(HealthRegistry.READINESS);
    assertThat(ready.status()).isEqualTo(HealthStatus.DOWN);
    assertThat(ready.check(HealthRegistry.LIFECYCLE_CHECK).health().detail("reason")).isEqualTo("shutting down");
    assertThat(registry.report(HealthRegistry.STARTUP).status()).isEqualTo(HealthStatus.UP);
    assertThat(registry.report(HealthRegistry.LIVENESS).status()).isEqualTo(HealthStatus.UP);

    registry.phase(HealthRegistry.Phase.STARTING);
    assertThat(registry.report(HealthRegistry.STARTUP).status()).isEqualTo(HealthStatus.DOWN);
    assertThat(registry.report(HealthRegistry.READINESS).status()).isEqualTo(HealthStatus.DOWN);
  }

  @Test
  void gaugesReadTheCacheWithoutRunningChecks() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    HealthRegistry registry = HealthRegistry.builder().timeSource(time).meterRegistry(meters).build();
    closeables.add(registry);
    AtomicInteger calls = new AtomicInteger();
    registry.register(HealthCheck.of("db", () -> {
      calls.incrementAndGet();
      return Health.down("gone").build();
    }));
    assertThat(meters.get("layerkit.health.check.status").tag("check", "db").gauge().value()).isNaN();
    assertThat(calls).as("a scrape never runs a check").hasValue(0);
    registry.report();
    assertThat(meters.get("layerkit.health.check.status").tag("check", "db").gauge().value()).isZero();
    assertThat(meters.get("layerkit.health.ready").gauge().value()).isZero();
    assertThat(calls).hasValue(1);
  }

  @Test
  void rejectsDuplicateNamesAndBadSettings() {
    HealthRegistry registry = registry(Duration.ofSeconds(1), Duration.ZERO);
    registry.register(HealthCheck.of("db", () -> Health.up().build()));
    assertThatThrownBy(() -> registry.register(HealthCheck.of("db", () -> Health.up().build())))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("'db'");
    assertThatThrownBy(() -> registry.register(HealthCheck.of("x", () -> Health.up().build()), true))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("groups");
    assertThatThrownBy(() -> registry.register(HealthCheck.of("y", () -> Health.up().build()), true, " "))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("' '");
    assertThatThrownBy(() -> HealthRegistry.builder().checkTimeout(Duration.ofMillis(-5)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("checkTimeout must be > 0 but was PT-0.005S");
    assertThatThrownBy(() -> HealthRegistry.builder().cacheInterval(Duration.ofSeconds(1)).cacheInterval(Duration.ZERO))
        .isInstanceOf(IllegalStateException.class).hasMessage("cacheInterval was already set to PT1S");
    assertThatThrownBy(() -> HealthRegistry.builder().timeSource(null))
        .isInstanceOf(NullPointerException.class).hasMessage("timeSource");
  }
}
