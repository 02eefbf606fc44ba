package dev.layerkit.service.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.service.saga.OrderFixture.PlaceOrder;
import dev.layerkit.store.Repositories;
import dev.layerkit.store.Repository;
import dev.layerkit.test.Concurrently;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Saga} on an in-memory repository: the order saga (reserve stock, charge, confirm) on its
 * happy path, compensated in reverse order, timed out, and crashed between and inside steps then
 * resumed by a second instance.
 */
class SagaTest {

  private static final Duration LEASE = Duration.ofMinutes(1);
  private static final PlaceOrder ORDER = new PlaceOrder("o-1", "sku-1", 1250);

  private final ManualTimeSource time = new ManualTimeSource();
  private final Repository<String, SagaRecord> repository = Repositories.inMemory(SagaRecord.descriptor()).name("sagas").build();
  private final OrderFixture services = new OrderFixture();
  private final List<Saga<PlaceOrder>> opened = new ArrayList<>();

  @AfterEach
  void close() {
    opened.forEach(Saga::close);
  }

  /** The order saga; {@code charge} and {@code confirm} are given so tests can make them fail. */
  private Saga.Builder<PlaceOrder> orderSaga(Repository<String, SagaRecord> repo, String instance,
      StepAction<PlaceOrder> charge, StepAction<PlaceOrder> confirm) {
    return Saga.builder("place-order", repo, Codecs.json(PlaceOrder.class))
        .step("reserve-stock", c -> services.effect(c, "reserve"), c -> services.undo(c, "release"))
        .step("charge", charge, c -> services.undo(c, "refund"))
        .step("confirm", confirm)
        .lease(LEASE)
        .timeSource(time)
        .instanceId(instance);
  }

  private Saga<PlaceOrder> open(Saga.Builder<PlaceOrder> builder) {
    Saga<PlaceOrder> saga = builder.build();
    opened.add(saga);
    return saga;
  }

  private Saga<PlaceOrder> open(Saga<PlaceOrder> saga) {
    opened.add(saga);
    return saga;
  }

  private Saga<PlaceOrder> happySaga(Repository<String, SagaRecord> repo, String instance) {
    return open(orderSaga(repo, instance, c -> services.effect(c, "charge"), c -> services.effect(c, "confirm")));
  }

  @Test
  void happyPathRunsEveryStepOnceInOrderAndKeepsTheOutputsAndHistory() {
    Saga<PlaceOrder> saga = happySaga(repository, "a");

    SagaResult result = saga.run("o-1", ORDER);

    assertThat(result.status()).isEqualTo(SagaStatus.COMPLETED);
    assertThat(result.outputs()).containsEntry("reserve-stock", "reserve:o-1").containsEntry("charge", "charge:o-1");
    assertThat(services.log).containsExactly("reserve", "charge", "confirm");
    assertThat(saga.history("o-1")).extracting(SagaEvent::type, SagaEvent::step).containsExactly(
        tuple(SagaEvent.Type.SAGA_STARTED, null),
        tuple(SagaEvent.Type.STEP_STARTED, "reserve-stock"), tuple(SagaEvent.Type.STEP_COMPLETED, "reserve-stock"),
        tuple(SagaEvent.Type.STEP_STARTED, "charge"), tuple(SagaEvent.Type.STEP_COMPLETED, "charge"),
        tuple(SagaEvent.Type.STEP_STARTED, "confirm"), tuple(SagaEvent.Type.STEP_COMPLETED, "confirm"),
        tuple(SagaEvent.Type.SAGA_COMPLETED, null));
    assertThat(saga.find("o-1")).get().extracting(SagaRecord::status).isEqualTo(SagaStatus.COMPLETED);
  }

  @Test
  void laterStepsSeeTheOutputsOfEarlierOnes() {
    List<String> seen = new ArrayList<>();
    Saga<PlaceOrder> saga = open(orderSaga(repository, "a", c -> services.effect(c, "charge"), c -> {
      seen.add(c.output("reserve-stock").orElseThrow() + "+" + c.output("charge").orElseThrow());
      return null;
    }));

    saga.run("o-1", ORDER);

    assertThat(seen).containsExactly("reserve:o-1+charge:o-1");
  }

  @Test
  void failedChargeReleasesTheStockAndTheSagaEndsCompensated() {
    Saga<PlaceOrder> saga = open(orderSaga(repository, "a", c -> {
      throw new IllegalStateException("card declined");
    }, c -> services.effect(c, "confirm")));

    SagaResult result = saga.run("o-1", ORDER);

    assertThat(result.status()).isEqualTo(SagaStatus.COMPENSATED);
    assertThat(result.failure()).isEqualTo("step charge failed: java.lang.IllegalStateException: card declined");
    // The failed charge is taken as not done: no refund; the stock is released.
    assertThat(services.log).containsExactly("reserve", "release");
    assertThat(saga.history("o-1")).extracting(SagaEvent::type).containsSubsequence(
        SagaEvent.Type.STEP_FAILED, SagaEvent.Type.STEP_COMPENSATED, SagaEvent.Type.SAGA_COMPENSATED);
  }

  @Test
  void compensationsRunInReverseOrderOfTheSteps() {
    List<String> undone = new ArrayList<>();
    Saga<PlaceOrder> saga = open(Saga.builder("four-steps", repository, Codecs.json(PlaceOrder.class))
        .step("a", c -> "a", c -> undone.add("a"))
        .step("b", c -> "b", c -> undone.add("b"))
        .step("c", c -> "c", c -> undone.add("c"))
        .step("d", c -> {
          throw new IllegalStateException("d failed");
        }, c -> undone.add("d"))
        .timeSource(time).build());

    assertThat(saga.run("s", ORDER).status()).isEqualTo(SagaStatus.COMPENSATED);
    assertThat(undone).containsExactly("c", "b", "a");
  }

  @Test
  void stepPastItsTimeoutIsInterruptedAndCompensatedWithTheStepsBeforeIt() {
    AtomicBoolean interrupted = new AtomicBoolean();
    CountDownLatch never = new CountDownLatch(1);
    Saga<PlaceOrder> saga = open(Saga.builder("place-order", repository, Codecs.json(PlaceOrder.class))
        .step("reserve-stock", c -> services.effect(c, "reserve"), c -> services.undo(c, "release"))
        .step("charge", c -> {
          try {
            never.await();
          } catch (InterruptedException e) {
            interrupted.set(true);
            throw e;
          }
          return null;
        }, c -> services.undo(c, "refund"), Duration.ofMillis(50))
        .step("confirm", c -> services.effect(c, "confirm"))
        .timeSource(time).build());

    SagaResult result = saga.run("o-1", ORDER);

    assertThat(result.status()).isEqualTo(SagaStatus.COMPENSATED);
    assertThat(result.failure()).isEqualTo("step charge timed out after PT0.05S");
    // The charge's outcome is unknown, so it is refunded too, before the stock is released.
    assertThat(services.log).containsExactly("reserve", "refund", "release");
    assertThat(saga.history("o-1")).extracting(SagaEvent::type).contains(SagaEvent.Type.STEP_TIMED_OUT);
    org.awaitility.Awaitility.await().untilTrue(interrupted);
  }

  @Test
  void secondInstanceResumesASagaWhoseProcessDiedBetweenTwoStepsAndRunsEachStepOnce() {
    Saga<PlaceOrder> first = happySaga(new CrashingRepository(repository,
        CrashingRepository.after(SagaEvent.Type.STEP_COMPLETED, "reserve-stock")), "first");
    assertThatThrownBy(() -> first.run("o-1", ORDER)).isInstanceOf(CrashingRepository.Crash.class);
    Saga<PlaceOrder> second = happySaga(repository, "second");

    List<SagaResult> tooEarly = second.resumeStale();
    time.advance(LEASE);
    List<SagaResult> resumed = second.resumeStale();

    assertThat(tooEarly).isEmpty();
    assertThat(resumed).extracting(SagaResult::id, SagaResult::status).containsExactly(tuple("o-1", SagaStatus.COMPLETED));
    assertThat(services.callsOf("o-1", "reserve-stock")).isEqualTo(1);
    assertThat(services.callsOf("o-1", "charge")).isEqualTo(1);
    assertThat(services.callsOf("o-1", "confirm")).isEqualTo(1);
    assertThat(services.log).containsExactly("reserve", "charge", "confirm");
    assertThat(second.history("o-1")).filteredOn(e -> e.type() == SagaEvent.Type.SAGA_RESUMED)
        .extracting(SagaEvent::instance, SagaEvent::detail).containsExactly(tuple("second", "from first"));
  }

  @Test
  void stepInterruptedByACrashRunsAgainWithTheSameStepKeySoItsEffectHappensOnce() {
    AtomicInteger chargeCalls = new AtomicInteger();
    List<Integer> attempts = new ArrayList<>();
    StepAction<PlaceOrder> charge = c -> {
      attempts.add(c.attempt());
      String output = services.effect(c, "charge");
      if (chargeCalls.incrementAndGet() == 1) {
        throw new CrashingRepository.Crash("died after the charge, before recording it");
      }
      return output;
    };
    Saga<PlaceOrder> first = open(orderSaga(repository, "first", charge, c -> services.effect(c, "confirm")));
    assertThatThrownBy(() -> first.run("o-1", ORDER)).isInstanceOf(CrashingRepository.Crash.class);
    Saga<PlaceOrder> second = open(orderSaga(repository, "second", charge, c -> services.effect(c, "confirm")));

    time.advance(LEASE);
    assertThat(second.resume("o-1")).get().extracting(SagaResult::status).isEqualTo(SagaStatus.COMPLETED);

    assertThat(attempts).containsExactly(1, 2);
    assertThat(services.log).containsExactly("reserve", "charge", "confirm");
    assertThat(services.callsOf("o-1", "reserve-stock")).isEqualTo(1);
  }

  @Test
  void crashWhileCompensatingIsResumedAndFinishesTheCompensation() {
    Saga<PlaceOrder> first = open(orderSaga(new CrashingRepository(repository,
        CrashingRepository.after(SagaEvent.Type.STEP_FAILED, "charge")), "first", c -> {
          throw new IllegalStateException("declined");
        }, c -> null));
    assertThatThrownBy(() -> first.run("o-1", ORDER)).isInstanceOf(CrashingRepository.Crash.class);
    Saga<PlaceOrder> second = open(orderSaga(repository, "second", c -> "never", c -> null));

    time.advance(LEASE);

    assertThat(second.resumeStale()).extracting(SagaResult::status).containsExactly(SagaStatus.COMPENSATED);
    assertThat(services.log).containsExactly("reserve", "release");
  }

  @Test
  void manyInstancesResumingTogetherFinishTheSagaOnceAndRunEachStepOnce() throws Exception {
    Saga<PlaceOrder> first = happySaga(new CrashingRepository(repository,
        CrashingRepository.after(SagaEvent.Type.STEP_COMPLETED, "reserve-stock")), "first");
    assertThatThrownBy(() -> first.run("o-1", ORDER)).isInstanceOf(CrashingRepository.Crash.class);
    List<Saga<PlaceOrder>> instances = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      instances.add(happySaga(repository, "instance-" + i));
    }
    AtomicInteger next = new AtomicInteger();
    ConcurrentLinkedQueue<SagaResult> results = new ConcurrentLinkedQueue<>();
    time.advance(LEASE);

    Concurrently.run(8, () -> results.addAll(instances.get(next.getAndIncrement()).resumeStale()));

    assertThat(results).extracting(SagaResult::status).containsExactly(SagaStatus.COMPLETED);
    assertThat(services.callsOf("o-1", "charge")).isEqualTo(1);
    assertThat(services.callsOf("o-1", "confirm")).isEqualTo(1);
  }

  @Test
  void closingAnInstanceMidStepLeavesTheSagaForResumeInsteadOfCompensatingIt() throws Exception {
    CountDownLatch charging = new CountDownLatch(1);
    Saga<PlaceOrder> first = orderSaga(repository, "first", c -> {
      charging.countDown();
      new CountDownLatch(1).await();
      return null;
    }, c -> services.effect(c, "confirm")).build();
    java.util.concurrent.CompletableFuture<SagaResult> running = first.runAsync("o-1", ORDER);
    assertThat(charging.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

    first.close();

    assertThat(running).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withCauseInstanceOf(SagaException.class);
    SagaRecord left = repository.findById("o-1").orElseThrow();
    assertThat(left.status()).isEqualTo(SagaStatus.RUNNING);
    time.advance(LEASE);
    assertThat(happySaga(repository, "second").resume("o-1")).get().extracting(SagaResult::status)
        .isEqualTo(SagaStatus.COMPLETED);
    assertThat(services.log).containsExactly("reserve", "charge", "confirm");
  }

  @Test
  void runWithAStoredIdReturnsItsResultWithoutRunningAgain() {
    Saga<PlaceOrder> saga = happySaga(repository, "a");
    saga.run("o-1", ORDER);

    SagaResult again = saga.run("o-1", new PlaceOrder("o-1", "other", 1));

    assertThat(again.status()).isEqualTo(SagaStatus.COMPLETED);
    assertThat(services.callsOf("o-1", "charge")).isEqualTo(1);
  }

  @Test
  void runOfASagaAnotherLiveInstanceHoldsThrowsNamingTheHolder() {
    Saga<PlaceOrder> first = happySaga(new CrashingRepository(repository,
        CrashingRepository.after(SagaEvent.Type.STEP_STARTED, "charge")), "first");
    assertThatThrownBy(() -> first.run("o-1", ORDER)).isInstanceOf(CrashingRepository.Crash.class);

    assertThatThrownBy(() -> happySaga(repository, "second").run("o-1", ORDER))
        .isInstanceOf(SagaException.class)
        .hasMessageStartingWith("saga place-order 'o-1' is being run by instance first");
  }

  @Test
  void compensationThatKeepsFailingStopsTheSagaAsFailedAfterItsAttempts() {
    AtomicInteger releases = new AtomicInteger();
    Saga<PlaceOrder> saga = open(Saga.builder("place-order", repository, Codecs.json(PlaceOrder.class))
        .step("reserve-stock", c -> "r", c -> {
          releases.incrementAndGet();
          throw new IllegalStateException("inventory down");
        })
        .step("charge", c -> {
          throw new IllegalStateException("declined");
        })
        .compensationAttempts(3)
        .timeSource(time).build());

    SagaResult result = saga.run("o-1", ORDER);

    assertThat(result.status()).isEqualTo(SagaStatus.FAILED);
    assertThat(releases).hasValue(3);
    assertThat(result.failure()).contains("compensation of step reserve-stock failed");
    assertThat(saga.history("o-1")).filteredOn(e -> e.type() == SagaEvent.Type.COMPENSATION_FAILED).hasSize(3);
  }

  @Test
  void compensationThatFailsOnceIsRetried() {
    AtomicInteger releases = new AtomicInteger();
    Saga<PlaceOrder> saga = open(Saga.builder("place-order", repository, Codecs.json(PlaceOrder.class))
        .step("reserve-stock", c -> "r", c -> {
          if (releases.incrementAndGet() == 1) {
            throw new IllegalStateException("timeout");
          }
        })
        .step("charge", c -> {
          throw new IllegalStateException("declined");
        })
        .timeSource(time).build());

    assertThat(saga.run("o-1", ORDER).status()).isEqualTo(SagaStatus.COMPENSATED);
    assertThat(releases).hasValue(2);
  }

  @Test
  void countsFinishedSagasStepsAndResumesTaggedWithTheName() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Saga<PlaceOrder> saga = open(Saga.builder("place-order", repository, Codecs.json(PlaceOrder.class))
        .step("reserve-stock", c -> "r").meterRegistry(registry).timeSource(time).build());

    saga.run("o-1", ORDER);

    assertThat(registry.get("layerkit.saga.finished").tags("name", "place-order", "status", "completed")
        .counter().count()).isEqualTo(1);
    assertThat(registry.get("layerkit.saga.steps").tags("name", "place-order", "step", "reserve-stock",
        "outcome", "completed").counter().count()).isEqualTo(1);
    assertThat(registry.get("layerkit.saga.step.duration").tags("name", "place-order").timer().count()).isEqualTo(1);
  }

  @Test
  void builderRejectsBadDefinitions() {
    Saga.Builder<PlaceOrder> builder = Saga.builder("s", repository, Codecs.json(PlaceOrder.class));
    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class).hasMessage("saga s has no steps");
    builder.step("a", c -> null);
    assertThatThrownBy(() -> builder.step("a", c -> null))
        .isInstanceOf(IllegalStateException.class).hasMessage("step a was already added");
    assertThatThrownBy(() -> builder.step("a/b", c -> null)).isInstanceOf(IllegalArgumentException.class);
    builder.lease(Duration.ofSeconds(10));
    assertThatThrownBy(() -> builder.lease(Duration.ofSeconds(20)))
        .isInstanceOf(IllegalStateException.class).hasMessage("lease was already set to PT10S");
    builder.stepTimeout(Duration.ofSeconds(10));
    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
        .hasMessage("timeout of step a (PT10S) must be below the lease (PT10S)");
  }

  @Test
  void anIdOfAnotherSagaIsRefused() {
    happySaga(repository, "a").run("o-1", ORDER);
    Saga<PlaceOrder> other = open(Saga.builder("refund", repository, Codecs.json(PlaceOrder.class))
        .step("x", c -> null).timeSource(time).build());

    assertThatThrownBy(() -> other.run("o-1", ORDER)).isInstanceOf(SagaException.class)
        .hasMessage("id 'o-1' belongs to saga place-order, not refund");
    assertThat(other.history("o-1")).isEmpty();
  }

  private static org.assertj.core.groups.Tuple tuple(Object... values) {
    return org.assertj.core.groups.Tuple.tuple(values);
  }
}
