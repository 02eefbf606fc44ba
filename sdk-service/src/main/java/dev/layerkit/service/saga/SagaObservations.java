package dev.layerkit.service.saga;

import dev.layerkit.core.observation.ObservationTags;
import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A saga's observations: {@value #SAGA} while an instance drives one saga (a run, or a resume),
 * current on the driving thread so the record's saves are its children; {@value #STEP} per call of
 * a step's action and {@value #COMPENSATION} per attempt of a compensation, each a child of the
 * saga's and current on the executor thread that runs the step's code, so the step's own calls (a
 * {@code ServiceClient} call, a store write) are the step's children.
 *
 * <p>Low-cardinality tags: {@code name} (the saga), {@code resumed} ({@code true} when this
 * instance took the saga over), {@code status} (the final status, {@code none} when the drive
 * stopped by an exception), {@code step} (the step's name, a small fixed set), {@code outcome}
 * ({@code success}, {@code error}, and {@code timed_out} for a step or compensation that ran past
 * its timeout). The saga id is a high-cardinality key value.
 *
 * <p>With {@link ObservationRegistry#NOOP} (the default), or any registry without handlers,
 * every method returns {@link Observation#NOOP} or returns at once, before allocating. Thread-safe.
 */
final class SagaObservations {

  static final String SAGA = "layerkit.saga";
  static final String STEP = "layerkit.saga.step";
  static final String COMPENSATION = "layerkit.saga.compensation";

  static final String TIMED_OUT = "timed_out";
  private static final String NONE = "none";

  private final ObservationRegistry registry;
  private final String name;

  SagaObservations(ObservationRegistry registry, String name) {
    this.registry = registry;
    this.name = name;
  }

  /** Starts the observation of one drive of a saga; NOOP when off. */
  Observation saga(String sagaId, boolean resumed) {
    if (registry.isNoop()) {
      return Observation.NOOP;
    }
    return Observation.createNotStarted(SAGA, registry)
        .lowCardinalityKeyValue(ObservationTags.NAME, name)
        .lowCardinalityKeyValue("resumed", resumed ? "true" : "false")
        .highCardinalityKeyValue(KeyValue.of("saga.id", sagaId))
        .start();
  }

  /**
   * Stops a saga's observation.
   *
   * @param status where the saga ended, or null when the drive stopped by {@code error}
   * @param error what stopped the drive (a {@link SagaException}, an {@link Error} from a step)
   */
  static void stopSaga(Observation observation, @Nullable SagaStatus status, @Nullable Throwable error) {
    if (observation.isNoop()) {
      return;
    }
    if (error != null) {
      observation.error(error);
    }
    observation
        .lowCardinalityKeyValue("status", status == null ? NONE : status.name().toLowerCase(Locale.ROOT))
        .lowCardinalityKeyValue(ObservationTags.OUTCOME,
            status == SagaStatus.COMPLETED ? ObservationTags.SUCCESS : ObservationTags.ERROR)
        .stop();
  }

  /**
   * Starts the observation of one call of a step's action or one attempt of its compensation, as a
   * child of the saga's; NOOP when off.
   */
  Observation step(Observation saga, String observationName, String step, int attempt) {
    if (saga.isNoop()) {
      return Observation.NOOP;
    }
    return Observation.createNotStarted(observationName, registry)
        .parentObservation(saga)
        .lowCardinalityKeyValue(ObservationTags.NAME, name)
        .lowCardinalityKeyValue("step", step)
        .highCardinalityKeyValue(KeyValue.of("attempt", Integer.toString(attempt)))
        .start();
  }

  /**
   * Stops a step's or compensation's observation.
   *
   * @param outcome {@code success}, {@code error} or {@value #TIMED_OUT}
   * @param error why it failed, if it did
   */
  static void stopStep(Observation observation, String outcome, @Nullable Throwable error) {
    if (observation.isNoop()) {
      return;
    }
    if (error != null) {
      observation.error(error);
    }
    observation.lowCardinalityKeyValue(ObservationTags.OUTCOME, outcome).stop();
  }
}
