package dev.layerkit.service.saga;

import org.jspecify.annotations.Nullable;

/**
 * A saga step's forward action: reserve stock, charge a card, confirm an order.
 *
 * <p>It must be idempotent through {@link StepContext#stepKey()}: after a crash the step may run
 * again on another instance with the same key (pass it as the {@code Idempotency-Key} of the call
 * it makes). Throwing any {@link Exception} fails the step, which is then taken as not done and
 * the completed steps before it are compensated; an {@link Error} is treated as the death of the
 * instance and leaves the saga to be resumed.
 *
 * @param <I> the saga's input type
 */
@FunctionalInterface
public interface StepAction<I> {

  /**
   * Runs the step.
   *
   * @param context the saga and step
   * @return an output kept with the saga's state, for later steps and compensations ({@link
   *     StepContext#output(String)}), or null
   * @throws Exception to fail the step
   */
  @Nullable String run(StepContext<I> context) throws Exception;
}
