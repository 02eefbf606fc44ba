package dev.layerkit.service.saga;

import java.util.Map;
import java.util.Optional;

/**
 * What a step's action or compensation is told: the saga's id and input, the step, its key and
 * the outputs of the steps completed so far.
 *
 * <p>Immutable and thread-safe.
 *
 * @param <I> the saga's input type
 */
public final class StepContext<I> {

  private final String sagaId;
  private final String step;
  private final I input;
  private final Map<String, String> outputs;
  private final int attempt;

  StepContext(String sagaId, String step, I input, Map<String, String> outputs, int attempt) {
    this.sagaId = sagaId;
    this.step = step;
    this.input = input;
    this.outputs = Map.copyOf(outputs);
    this.attempt = attempt;
  }

  /**
   * Returns the saga's id, as given to {@link Saga#run}.
   *
   * @return the id
   */
  public String sagaId() {
    return sagaId;
  }

  /**
   * Returns the step's name.
   *
   * @return the name
   */
  public String step() {
    return step;
  }

  /**
   * Returns the key that makes the step idempotent: {@code <sagaId>:<step>}, the same on every
   * attempt and every instance. Pass it to the service the step calls (as its {@code
   * Idempotency-Key}), so a step run again after a crash has its effect once.
   *
   * @return the key
   */
  public String stepKey() {
    return sagaId + ':' + step;
  }

  /**
   * Returns the saga's input.
   *
   * @return the input
   */
  public I input() {
    return input;
  }

  /**
   * Returns what a completed step returned.
   *
   * @param stepName the step's name
   * @return its output, or empty if it returned null or has not completed
   */
  public Optional<String> output(String stepName) {
    return Optional.ofNullable(outputs.get(stepName));
  }

  /**
   * Returns which attempt of this step (or of its compensation) this is, from 1: above 1 when the
   * step runs again after a crash, or a compensation is retried.
   *
   * @return the attempt
   */
  public int attempt() {
    return attempt;
  }

  @Override
  public String toString() {
    return "StepContext{saga=" + sagaId + ", step=" + step + ", attempt=" + attempt + '}';
  }
}
