package dev.layerkit.service.idempotency;

import dev.layerkit.core.observation.ObservationTags;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

/**
 * An {@link Idempotency}'s observations: {@value #EXECUTE} per request with a key, from the claim
 * to the stored response, a child of the observation current on the calling thread and current
 * itself while the claim is made and the action runs, so the store's and the action's own
 * observations are its children.
 *
 * <p>Low-cardinality tags: {@code name}, {@code result} ({@code executed}, {@code replayed},
 * {@code in_flight}, {@code key_reused}, or {@code none} when an exception ended the request) and
 * {@code outcome} ({@code success}, or {@code error} for a 5xx response or an exception, which is
 * recorded). The key is not a tag: it is unbounded and may be a client's secret.
 *
 * <p>Callers check {@link #off()} first and call through directly when it is: with the default
 * {@link ObservationRegistry#NOOP}, or a registry without handlers, a request allocates nothing
 * for tracing. Thread-safe.
 */
final class IdempotencyObservations {

  static final String EXECUTE = "layerkit.idempotency";

  private final ObservationRegistry registry;
  private final String name;

  IdempotencyObservations(ObservationRegistry registry, String name) {
    this.registry = registry;
    this.name = name;
  }

  boolean off() {
    return registry.isNoop();
  }

  /** Starts the observation of one request; call only when not {@link #off()}. */
  Observation start() {
    return Observation.createNotStarted(EXECUTE, registry)
        .lowCardinalityKeyValue(ObservationTags.NAME, name)
        .start();
  }

  /**
   * Stops a request's observation.
   *
   * @param outcome what the request came to, or null when {@code error} ended it
   * @param error what the action or the store threw
   */
  static void stop(Observation observation, @Nullable IdempotencyOutcome outcome, @Nullable Throwable error) {
    if (error != null) {
      observation.error(error);
    }
    observation
        .lowCardinalityKeyValue("result", outcome == null ? "none" : result(outcome))
        .lowCardinalityKeyValue(ObservationTags.OUTCOME, outcome == null ? ObservationTags.ERROR
            : ObservationTags.outcome(outcome.response().status()))
        .stop();
  }

  private static String result(IdempotencyOutcome outcome) {
    if (outcome instanceof IdempotencyOutcome.Executed) {
      return "executed";
    }
    if (outcome instanceof IdempotencyOutcome.Replayed) {
      return "replayed";
    }
    if (outcome instanceof IdempotencyOutcome.InFlight) {
      return "in_flight";
    }
    return "key_reused";
  }
}
