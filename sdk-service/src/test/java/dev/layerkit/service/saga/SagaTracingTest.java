package dev.layerkit.service.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.codec.Codecs;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.service.saga.OrderFixture.PlaceOrder;
import dev.layerkit.store.Repositories;
import dev.layerkit.store.Repository;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.ObservationView;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Saga}'s observations, recorded by Micrometer's {@link TestObservationRegistry}: one
 * {@code layerkit.saga} per drive with a {@code layerkit.saga.step} child per step and a {@code
 * layerkit.saga.compensation} child per compensation attempt; their tags; the step's observation
 * current on the executor thread, so the step's own calls are its children; errors recorded.
 */
class SagaTracingTest {

  private static final Duration LEASE = Duration.ofMinutes(1);
  private static final PlaceOrder ORDER = new PlaceOrder("o-1", "sku-1", 1250);

  private final TestObservationRegistry registry = TestObservationRegistry.create();
  private final ManualTimeSource time = new ManualTimeSource();
  private final Repository<String, SagaRecord> repository =
      Repositories.inMemory(SagaRecord.descriptor()).name("sagas").build();
  private final OrderFixture services = new OrderFixture();
  private final List<Saga<PlaceOrder>> opened = new ArrayList<>();

  @AfterEach
  void close() {
    opened.forEach(Saga::close);
  }

  private Saga<PlaceOrder> orderSaga(Repository<String, SagaRecord> repo, String instance,
      StepAction<PlaceOrder> charge) {
    Saga<PlaceOrder> saga = Saga.builder("place-order", repo, Codecs.json(PlaceOrder.class))
        .step("reserve-stock", c -> services.effect(c, "reserve"), c -> services.undo(c, "release"))
        .step("charge", charge, c -> services.undo(c, "refund"))
        .step("confirm", c -> services.effect(c, "confirm"))
        .lease(LEASE)
        .timeSource(time)
        .instanceId(instance)
        .observationRegistry(registry)
        .build();
    opened.add(saga);
    return saga;
  }

  private List<Observation.Context> contexts() {
    List<Observation.Context> contexts = new ArrayList<>();
    TestObservationRegistryAssert.assertThat(registry).hasHandledContextsThatSatisfy(contexts::addAll);
    return contexts;
  }

  private List<Observation.Context> named(String name) {
    return contexts().stream().filter(c -> c.getName().equals(name)).toList();
  }

  private Observation.Context single(String name) {
    List<Observation.Context> found = named(name);
    assertThat(found).as("observations named %s", name).hasSize(1);
    return found.get(0);
  }

  private static @Nullable String tag(Observation.Context context, String key) {
    var value = context.getLowCardinalityKeyValue(key);
    return value == null ? null : value.getValue();
  }

  private static Observation.@Nullable ContextView parentOf(Observation.Context context) {
    ObservationView parent = context.getParentObservation();
    return parent == null ? null : parent.getContextView();
  }

  @Test
  @SuppressWarnings("try") // the scope makes the observation current; the body need not name it
  void aCompletedSagaIsOneObservationUnderTheCallersWithAChildPerStepAndTheStepsOwnCallsUnderIt() {
    Saga<PlaceOrder> saga = orderSaga(repository, "a", c -> {
      // What a step calls through an observed client, on the executor thread.
      Observation.createNotStarted("payments.charge", registry).observe(() -> { });
      return services.effect(c, "charge");
    });

    Observation request = Observation.start("orders.request", registry);
    try (Observation.Scope scope = request.openScope()) {
      assertThat(saga.run("o-1", ORDER).status()).isEqualTo(SagaStatus.COMPLETED);
    }
    request.stop();

    Observation.Context sagaContext = single(SagaObservations.SAGA);
    assertThat(parentOf(sagaContext)).isSameAs(request.getContext());
    assertThat(tag(sagaContext, "name")).isEqualTo("place-order");
    assertThat(tag(sagaContext, "resumed")).isEqualTo("false");
    assertThat(tag(sagaContext, "status")).isEqualTo("completed");
    assertThat(tag(sagaContext, "outcome")).isEqualTo("success");
    assertThat(sagaContext.getHighCardinalityKeyValue("saga.id").getValue()).isEqualTo("o-1");
    assertThat(sagaContext.getError()).isNull();

    List<Observation.Context> steps = named(SagaObservations.STEP);
    assertThat(steps).extracting(c -> tag(c, "step")).containsExactly("reserve-stock", "charge", "confirm");
    assertThat(steps).allSatisfy(step -> {
      assertThat(parentOf(step)).isSameAs(sagaContext);
      assertThat(tag(step, "name")).isEqualTo("place-order");
      assertThat(tag(step, "outcome")).isEqualTo("success");
      assertThat(step.getError()).isNull();
    });
    assertThat(parentOf(single("payments.charge"))).isSameAs(steps.get(1));
    assertThat(named(SagaObservations.COMPENSATION)).isEmpty();
  }

  @Test
  void aFailedStepRecordsItsErrorOnItselfAndTheSagaAndEachCompensationIsAChildOfTheSaga() {
    IllegalStateException declined = new IllegalStateException("card declined");
    Saga<PlaceOrder> saga = orderSaga(repository, "a", c -> {
      throw declined;
    });

    assertThat(saga.run("o-1", ORDER).status()).isEqualTo(SagaStatus.COMPENSATED);

    Observation.Context sagaContext = single(SagaObservations.SAGA);
    assertThat(tag(sagaContext, "status")).isEqualTo("compensated");
    assertThat(tag(sagaContext, "outcome")).isEqualTo("error");
    assertThat(sagaContext.getError()).isSameAs(declined);
    Observation.Context charge = named(SagaObservations.STEP).stream()
        .filter(c -> "charge".equals(tag(c, "step"))).findFirst().orElseThrow();
    assertThat(tag(charge, "outcome")).isEqualTo("error");
    assertThat(charge.getError()).isSameAs(declined);
    // The failed charge is taken as not done; only the stock is released.
    Observation.Context release = single(SagaObservations.COMPENSATION);
    assertThat(parentOf(release)).isSameAs(sagaContext);
    assertThat(tag(release, "step")).isEqualTo("reserve-stock");
    assertThat(tag(release, "outcome")).isEqualTo("success");
    assertThat(release.getError()).isNull();
  }

  @Test
  void aStepPastItsTimeoutEndsAsTimedOutWithATimeoutErrorNamingTheStep() {
    CountDownLatch never = new CountDownLatch(1);
    Saga<PlaceOrder> saga = Saga.builder("place-order", repository, Codecs.json(PlaceOrder.class))
        .step("reserve-stock", c -> services.effect(c, "reserve"), c -> services.undo(c, "release"))
        .step("charge", c -> {
          never.await();
          return null;
        }, c -> services.undo(c, "refund"), Duration.ofMillis(50))
        .timeSource(time)
        .observationRegistry(registry)
        .build();
    opened.add(saga);

    assertThat(saga.run("o-1", ORDER).status()).isEqualTo(SagaStatus.COMPENSATED);

    Observation.Context charge = named(SagaObservations.STEP).stream()
        .filter(c -> "charge".equals(tag(c, "step"))).findFirst().orElseThrow();
    assertThat(tag(charge, "outcome")).isEqualTo("timed_out");
    assertThat(charge.getError()).isInstanceOf(TimeoutException.class)
        .hasMessage("step charge: no answer within PT0.05S");
    // Its effect is unknown, so it is compensated too, then the stock: two compensations.
    assertThat(named(SagaObservations.COMPENSATION)).extracting(c -> tag(c, "step"))
        .containsExactly("charge", "reserve-stock");
    assertThat(tag(single(SagaObservations.SAGA), "outcome")).isEqualTo("error");
  }

  @Test
  void aFailingCompensationIsAnObservationPerAttemptAndTheFailedSagaRecordsWhy() {
    IllegalStateException refundDown = new IllegalStateException("refund service down");
    Saga<PlaceOrder> saga = Saga.builder("place-order", repository, Codecs.json(PlaceOrder.class))
        .step("charge", c -> services.effect(c, "charge"), c -> {
          throw refundDown;
        })
        .step("confirm", c -> {
          throw new IllegalStateException("out of stock");
        })
        .compensationAttempts(2)
        .timeSource(time)
        .observationRegistry(registry)
        .build();
    opened.add(saga);

    assertThat(saga.run("o-1", ORDER).status()).isEqualTo(SagaStatus.FAILED);

    assertThat(named(SagaObservations.COMPENSATION)).hasSize(2).allSatisfy(attempt -> {
      assertThat(tag(attempt, "step")).isEqualTo("charge");
      assertThat(tag(attempt, "outcome")).isEqualTo("error");
      assertThat(attempt.getError()).isSameAs(refundDown);
    }).extracting(c -> c.getHighCardinalityKeyValue("attempt").getValue()).containsExactly("1", "2");
    Observation.Context sagaContext = single(SagaObservations.SAGA);
    assertThat(tag(sagaContext, "status")).isEqualTo("failed");
    assertThat(sagaContext.getError()).isSameAs(refundDown);
  }

  @Test
  void aCrashEndsTheDriveAsAnErrorAndTheResumeOnAnotherInstanceIsTaggedResumed() {
    Saga<PlaceOrder> first = orderSaga(new CrashingRepository(repository,
        CrashingRepository.after(SagaEvent.Type.STEP_COMPLETED, "reserve-stock")), "first",
        c -> services.effect(c, "charge"));
    assertThatThrownBy(() -> first.run("o-1", ORDER)).isInstanceOf(CrashingRepository.Crash.class);
    Observation.Context crashed = single(SagaObservations.SAGA);
    assertThat(tag(crashed, "status")).isEqualTo("none");
    assertThat(tag(crashed, "outcome")).isEqualTo("error");
    assertThat(crashed.getError()).isInstanceOf(CrashingRepository.Crash.class);
    registry.clear();

    Saga<PlaceOrder> second = orderSaga(repository, "second", c -> services.effect(c, "charge"));
    time.advance(LEASE);
    assertThat(second.resumeStale()).extracting(SagaResult::status).containsExactly(SagaStatus.COMPLETED);

    Observation.Context resumed = single(SagaObservations.SAGA);
    assertThat(tag(resumed, "resumed")).isEqualTo("true");
    assertThat(tag(resumed, "status")).isEqualTo("completed");
    // Only the steps not recorded as done run again.
    assertThat(named(SagaObservations.STEP)).extracting(c -> tag(c, "step")).containsExactly("charge", "confirm");
  }

  @Test
  void aRegistryWithoutHandlersLeavesNoObservationCurrentInTheSteps() {
    ObservationRegistry noHandlers = ObservationRegistry.create();
    List<@Nullable Observation> seen = new ArrayList<>();
    Saga<PlaceOrder> saga = Saga.builder("place-order", repository, Codecs.json(PlaceOrder.class))
        .step("charge", c -> {
          seen.add(noHandlers.getCurrentObservation());
          return null;
        })
        .observationRegistry(noHandlers)
        .build();
    opened.add(saga);

    assertThat(saga.run("o-1", ORDER).status()).isEqualTo(SagaStatus.COMPLETED);

    assertThat(seen).containsExactly((Observation) null);
  }

  @Test
  void observationRegistryIsSetOnceAndNotNull() {
    Saga.Builder<PlaceOrder> builder = Saga.builder("s", repository, Codecs.json(PlaceOrder.class))
        .observationRegistry(registry);
    assertThatThrownBy(() -> builder.observationRegistry(registry))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("observationRegistry was already set");
    assertThatThrownBy(() -> Saga.builder("s", repository, Codecs.json(PlaceOrder.class)).observationRegistry(null))
        .isInstanceOf(NullPointerException.class).hasMessage("observationRegistry");
  }
}
