package dev.layerkit.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.layerkit.core.health.HealthStatus;
import dev.layerkit.core.time.ManualTimeSource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LifecycleTest {

  private final ManualTimeSource time = new ManualTimeSource();
  private final List<String> events = new CopyOnWriteArrayList<>();
  private final HealthRegistry health = HealthRegistry.builder().timeSource(time).build();
  private final CountDownLatch never = new CountDownLatch(1);

  @AfterEach
  void tearDown() {
    never.countDown();
    health.close();
  }

  private Lifecycle.Builder builder() {
    return Lifecycle.builder().healthRegistry(health).timeSource(time).sleeper(duration -> {
      events.add("pre-stop " + duration.toMillis() + " ms, ready " + health.report(HealthRegistry.READINESS).status());
      time.advance(duration);
    });
  }

  private Lifecycle.Component recording(String name) {
    return Lifecycle.Component.of(name,
        () -> events.add("start " + name + " (started " + health.report(HealthRegistry.STARTUP).status() + ")"),
        () -> events.add("drain " + name + " (ready " + health.report(HealthRegistry.READINESS).status() + ")"),
        () -> events.add("stop " + name));
  }

  @Test
  void startsInDependencyOrderAndDrainsThenStopsInReverse() {
    Lifecycle lifecycle = builder().preStopDelay(Duration.ofSeconds(3)).build();
    lifecycle.register(recording("gateway"), "database", "publisher");
    lifecycle.register(recording("publisher"), "database");
    lifecycle.register(recording("admin"));
    lifecycle.register(recording("database"), "admin");

    assertThat(lifecycle.startOrder()).containsExactly("admin", "database", "publisher", "gateway");
    lifecycle.start();
    assertThat(lifecycle.state()).isEqualTo(Lifecycle.State.RUNNING);
    assertThat(health.phase()).isEqualTo(HealthRegistry.Phase.SERVING);
    assertThat(health.report(HealthRegistry.READINESS).status()).isEqualTo(HealthStatus.UP);

    assertThat(lifecycle.stop()).isTrue();

    assertThat(events).containsExactly(
        "start admin (started DOWN)",
        "start database (started DOWN)",
        "start publisher (started DOWN)",
        "start gateway (started DOWN)",
        "pre-stop 3000 ms, ready DOWN",
        "drain gateway (ready DOWN)",
        "drain publisher (ready DOWN)",
        "drain database (ready DOWN)",
        "drain admin (ready DOWN)",
        "stop gateway",
        "stop publisher",
        "stop database",
        "stop admin");
    assertThat(lifecycle.state()).isEqualTo(Lifecycle.State.STOPPED);
  }

  @Test
  void failingStartStopsWhatAlreadyStartedInReverse() {
    Lifecycle lifecycle = builder().build();
    lifecycle.register(recording("a"));
    lifecycle.register(recording("b"), "a");
    lifecycle.register(Lifecycle.Component.of("c", () -> {
      throw new IllegalStateException("port in use");
    }, () -> events.add("stop c")), "b");
    lifecycle.register(recording("d"), "c");

    assertThatThrownBy(lifecycle::start)
        .isInstanceOfSatisfying(LifecycleException.class, e -> assertThat(e.component()).isEqualTo("c"))
        .hasMessage("component 'c' failed to start: java.lang.IllegalStateException: port in use")
        .hasCauseInstanceOf(IllegalStateException.class);
    assertThat(events).containsExactly("start a (started DOWN)", "start b (started DOWN)", "stop b", "stop a");
    assertThat(lifecycle.state()).isEqualTo(Lifecycle.State.STOPPED);
    assertThat(lifecycle.stop()).as("a failed start is not a clean shutdown").isFalse();
  }

  @Test
  void unknownDependenciesAndCyclesAreNamed() {
    Lifecycle unknown = builder().build();
    unknown.register(recording("gateway"), "db");
    assertThatThrownBy(unknown::start)
        .isInstanceOf(LifecycleException.class)
        .hasMessage("component 'gateway' depends on unknown component 'db'");

    Lifecycle cyclic = Lifecycle.builder().build();
    cyclic.register(recording("a"), "c");
    cyclic.register(recording("b"), "a");
    cyclic.register(recording("c"), "b");
    assertThatThrownBy(cyclic::startOrder)
        .isInstanceOf(LifecycleException.class)
        .hasMessage("component 'a' is in a dependency cycle: a -> c -> b -> a");
    assertThat(events).isEmpty();
  }

  @Test
  void drainThatOverrunsTheDeadlineIsInterruptedAbandonedAndStillStopped() {
    Lifecycle lifecycle = builder().preStopDelay(Duration.ofSeconds(1)).shutdownDeadline(Duration.ofSeconds(10)).build();
    lifecycle.register(recording("database"));
    lifecycle.register(Lifecycle.Component.of("gateway", () -> { }, () -> {
      time.advance(Duration.ofSeconds(20));   // in-flight requests that never finish
      try {
        never.await();
      } catch (InterruptedException e) {
        events.add("gateway drain interrupted");
        throw e;
      }
    }, () -> events.add("stop gateway")), "database");
    lifecycle.start();

    assertThat(lifecycle.stop()).isFalse();

    assertThat(events).containsSubsequence("pre-stop 1000 ms, ready DOWN", "stop gateway", "stop database");
    assertThat(events).as("no time was left to drain the database")
        .doesNotContain("drain database (ready DOWN)");
    // The abandoned drain thread records its interrupt on its own time, after stop() returned.
    await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("gateway drain interrupted"));
  }

  @Test
  void stopThatOverrunsIsAbandonedAfterTheForceStopTimeout() {
    Lifecycle lifecycle = builder().preStopDelay(Duration.ZERO).shutdownDeadline(Duration.ofSeconds(5))
        .forceStopTimeout(Duration.ofSeconds(2)).build();
    lifecycle.register(recording("database"));
    lifecycle.register(Lifecycle.Component.of("consumer", () -> { }, () -> {
      time.advance(Duration.ofSeconds(30));
      never.await();
    }), "database");
    lifecycle.start();

    assertThat(lifecycle.stop()).isFalse();
    assertThat(events).endsWith("stop database");
    assertThat(lifecycle.state()).isEqualTo(Lifecycle.State.STOPPED);
  }

  @Test
  void stopIsIdempotentAndAllowedBeforeStart() {
    Lifecycle lifecycle = builder().build();
    lifecycle.register(recording("a"));
    lifecycle.start();
    assertThat(lifecycle.stop()).isTrue();
    int after = events.size();
    assertThat(lifecycle.stop()).isTrue();
    assertThat(events).hasSize(after);

    Lifecycle never = Lifecycle.builder().build();
    assertThat(never.stop()).isTrue();
    assertThat(never.state()).isEqualTo(Lifecycle.State.STOPPED);
  }

  @Test
  void validatesSettingsAndRegistrations() {
    assertThatThrownBy(() -> Lifecycle.builder().preStopDelay(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("preStopDelay must be >= 0 but was PT-1S");
    assertThatThrownBy(() -> Lifecycle.builder().shutdownDeadline(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("shutdownDeadline must be > 0 but was PT0S");
    assertThatThrownBy(() -> Lifecycle.builder().preStopDelay(Duration.ofSeconds(30)).shutdownDeadline(Duration.ofSeconds(10)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("preStopDelay (PT30S) must be shorter than shutdownDeadline (PT10S)");
    assertThatThrownBy(() -> Lifecycle.builder().sleeper(null))
        .isInstanceOf(NullPointerException.class).hasMessage("sleeper");
    assertThatThrownBy(() -> Lifecycle.Component.of(" ", () -> { }, () -> { }))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("name must not be blank but was ' '");

    Lifecycle lifecycle = builder().build();
    lifecycle.register(recording("a"));
    assertThatThrownBy(() -> lifecycle.register(recording("a")))
        .isInstanceOf(IllegalStateException.class).hasMessage("a component named 'a' is already registered");
    lifecycle.start();
    assertThatThrownBy(() -> lifecycle.register(recording("b")))
        .isInstanceOf(IllegalStateException.class).hasMessage("cannot register 'b' when the lifecycle is RUNNING");
    assertThatThrownBy(lifecycle::start)
        .isInstanceOf(IllegalStateException.class).hasMessage("cannot start when the lifecycle is RUNNING");
    lifecycle.stop();
  }
}
