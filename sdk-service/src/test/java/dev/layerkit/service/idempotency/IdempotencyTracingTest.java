package dev.layerkit.service.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.layerkit.core.time.ManualTimeSource;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.ObservationView;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * {@link Idempotency}'s observation, recorded by Micrometer's {@link TestObservationRegistry}: one
 * {@code layerkit.idempotency} per request, a child of the caller's and the parent of the action's
 * own observations, tagged with the name, the result and the outcome; an action's exception
 * recorded as its error; the key never a tag.
 */
class IdempotencyTracingTest {

  private static final String NAME = "layerkit.idempotency";
  private static final RequestFingerprint A = RequestFingerprint.of("POST", "/orders", utf8("a"));
  private static final RequestFingerprint B = RequestFingerprint.of("POST", "/orders", utf8("b"));

  private final TestObservationRegistry registry = TestObservationRegistry.create();
  private final ManualTimeSource time = new ManualTimeSource();
  private final Idempotency idempotency = Idempotency.builder(IdempotencyKeyStores.inMemory().build())
      .name("orders").timeSource(time).observationRegistry(registry).build();

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private List<Observation.Context> observed() {
    List<Observation.Context> contexts = new ArrayList<>();
    TestObservationRegistryAssert.assertThat(registry).hasHandledContextsThatSatisfy(contexts::addAll);
    return contexts.stream().filter(c -> c.getName().equals(NAME)).toList();
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
  void aRequestIsAChildOfTheCallersAndTheParentOfTheActionsOwnObservations() {
    Observation request = Observation.start("orders.request", registry);
    try (Observation.Scope scope = request.openScope()) {
      idempotency.execute("key-1", A, () -> {
        Observation.createNotStarted("orders.insert", registry).observe(() -> { });
        return IdempotentResponse.of(201, "created");
      });
    }
    request.stop();

    Observation.Context execute = observed().get(0);
    assertThat(parentOf(execute)).isSameAs(request.getContext());
    List<Observation.Context> all = new ArrayList<>();
    TestObservationRegistryAssert.assertThat(registry).hasHandledContextsThatSatisfy(all::addAll);
    Observation.Context insert = all.stream().filter(c -> c.getName().equals("orders.insert")).findFirst().orElseThrow();
    assertThat(parentOf(insert)).isSameAs(execute);
    TestObservationRegistryAssert.assertThat(registry).hasObservationWithNameEqualTo(NAME).that()
        .hasBeenStarted().hasBeenStopped()
        .hasLowCardinalityKeyValue("name", "orders")
        .hasLowCardinalityKeyValue("result", "executed")
        .hasLowCardinalityKeyValue("outcome", "success")
        .doesNotHaveError();
  }

  @Test
  void eachResultIsTaggedAndTheKeyIsNeverATag() {
    idempotency.execute("key-1", A, () -> IdempotentResponse.of(201, "created"));
    idempotency.execute("key-1", A, () -> IdempotentResponse.of(201, "again"));
    idempotency.execute("key-1", B, () -> IdempotentResponse.of(201, "other"));
    idempotency.execute("key-2", A, () -> {
      // key-2 is in flight while its action runs: a retry of it now gets a 409.
      idempotency.execute("key-2", A, () -> IdempotentResponse.of(201, "inner"));
      return IdempotentResponse.of(201, "outer");
    });
    idempotency.execute("key-3", A, () -> IdempotentResponse.of(503, "try later"));

    // In the order they started: key-2's request before the retry made while it ran.
    assertThat(observed()).extracting(c -> tag(c, "result"), c -> tag(c, "outcome")).containsExactly(
        tuple("executed", "success"),
        tuple("replayed", "success"),
        tuple("key_reused", "success"),
        tuple("executed", "success"),
        tuple("in_flight", "success"),
        tuple("executed", "error"));
    assertThat(observed()).allSatisfy(c -> {
      assertThat(c.getLowCardinalityKeyValues()).extracting(kv -> kv.getKey())
          .containsExactlyInAnyOrder("name", "result", "outcome");
      assertThat(c.getHighCardinalityKeyValues()).isEmpty();
    });
  }

  @Test
  void anActionsExceptionIsRecordedAndTheRequestEndsAsAnError() {
    IllegalStateException down = new IllegalStateException("database down");

    assertThatThrownBy(() -> idempotency.execute("key-1", A, () -> {
      throw down;
    })).isSameAs(down);

    Observation.Context execute = observed().get(0);
    assertThat(execute.getError()).isSameAs(down);
    assertThat(tag(execute, "result")).isEqualTo("none");
    assertThat(tag(execute, "outcome")).isEqualTo("error");
  }

  @Test
  void anAsyncRequestIsObservedUntilItsStageCompletes() {
    CompletableFuture<IdempotentResponse> response = new CompletableFuture<>();

    CompletableFuture<IdempotencyOutcome> outcome = idempotency.executeAsync("key-1", A, () -> response);
    TestObservationRegistryAssert.assertThat(registry).hasObservationWithNameEqualTo(NAME).that().hasBeenStarted().isNotStopped();
    response.complete(IdempotentResponse.of(201, "created"));

    assertThat(outcome).isCompletedWithValueMatching(o -> o instanceof IdempotencyOutcome.Executed);
    TestObservationRegistryAssert.assertThat(registry).hasObservationWithNameEqualTo(NAME).that().hasBeenStopped()
        .hasLowCardinalityKeyValue("result", "executed").hasLowCardinalityKeyValue("outcome", "success");

    IllegalStateException down = new IllegalStateException("payments down");
    CompletableFuture<IdempotencyOutcome> failed =
        idempotency.executeAsync("key-2", A, () -> CompletableFuture.failedFuture(down));
    assertThat(failed).isCompletedExceptionally();
    Observation.Context second = observed().get(1);
    assertThat(second.getError()).isSameAs(down);
    assertThat(tag(second, "outcome")).isEqualTo("error");
  }

  @Test
  void aViewOnAnotherStoreReportsToTheSameRegistry() {
    idempotency.using(IdempotencyKeyStores.inMemory().build())
        .execute("key-1", A, () -> IdempotentResponse.of(201, "created"));

    assertThat(observed()).singleElement().satisfies(c -> assertThat(tag(c, "name")).isEqualTo("orders"));
  }

  @Test
  void withTheDefaultOrAHandlerlessRegistryNoObservationIsCurrentInTheAction() {
    ObservationRegistry noHandlers = ObservationRegistry.create();
    Idempotency off = Idempotency.builder(IdempotencyKeyStores.inMemory().build())
        .observationRegistry(noHandlers).build();
    List<@Nullable Observation> seen = new ArrayList<>();

    off.execute("key-1", A, () -> {
      seen.add(noHandlers.getCurrentObservation());
      return IdempotentResponse.of(201, "created");
    });

    assertThat(seen).containsExactly((Observation) null);
    TestObservationRegistryAssert.assertThat(registry).doesNotHaveAnyObservation();
  }

  @Test
  void observationRegistryIsSetOnceAndNotNull() {
    Idempotency.Builder builder = Idempotency.builder(IdempotencyKeyStores.inMemory().build())
        .observationRegistry(registry);
    assertThatThrownBy(() -> builder.observationRegistry(registry))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("observationRegistry was already set");
    assertThatThrownBy(() -> Idempotency.builder(IdempotencyKeyStores.inMemory().build()).observationRegistry(null))
        .isInstanceOf(NullPointerException.class).hasMessage("observationRegistry");
  }
}
