package dev.layerkit.service.saga;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One entry of a saga's history, as {@link Saga#history(String)} returns it: what happened, to
 * which step, when, on which instance.
 *
 * <p>Immutable and thread-safe.
 *
 * @param atMillis when, in milliseconds since the epoch on the saga's {@code TimeSource}
 * @param type what happened
 * @param step the step's name, or null for an event of the whole saga
 * @param instance the instance that recorded it
 * @param detail the error of a failure, or null
 */
public record SagaEvent(long atMillis, Type type, @Nullable String step, String instance, @Nullable String detail) {

  /** What happened. */
  public enum Type {
    /** The saga was created by {@link Saga#run}. */
    SAGA_STARTED,
    /** An instance took over a saga whose lease had lapsed. */
    SAGA_RESUMED,
    /** A step's action was called (again, after a resume, if it had been called before). */
    STEP_STARTED,
    /** A step's action returned. */
    STEP_COMPLETED,
    /** A step's action threw; the step is taken as not done. */
    STEP_FAILED,
    /** A step's action ran past its timeout; its effect is unknown, so it is compensated too. */
    STEP_TIMED_OUT,
    /** A step's compensation returned (or the step has none). */
    STEP_COMPENSATED,
    /** A step's compensation threw or timed out. */
    COMPENSATION_FAILED,
    /** Every step completed. */
    SAGA_COMPLETED,
    /** Every completed step was compensated. */
    SAGA_COMPENSATED,
    /** A compensation failed after its attempts; the saga stopped. */
    SAGA_FAILED
  }

  /**
   * Checks the parts.
   *
   * @param atMillis when
   * @param type what
   * @param step which step
   * @param instance which instance
   * @param detail the error
   * @throws NullPointerException if {@code type} or {@code instance} is null
   */
  public SagaEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(instance, "instance");
  }
}
