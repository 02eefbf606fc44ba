package dev.layerkit.service.saga;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** One step of a saga's definition: its name, action, compensation (or none) and timeout. */
record SagaStep<I>(String name, StepAction<I> action, @Nullable Compensation<I> compensation, Duration timeout) {

  /** The counter name under which a step's compensation attempts are kept in the record. */
  String compensationCounter() {
    return name + "/compensation";
  }
}
