package dev.layerkit.service.saga;

/**
 * Undoes a completed saga step: release the stock, refund the charge.
 *
 * <p>It must be idempotent through {@link StepContext#stepKey()} and must tolerate a step whose
 * effect never happened: a timed-out step is compensated too, since it may or may not have had its
 * effect. Throwing fails the attempt; after the saga's compensation attempts, the saga stops as
 * {@link SagaStatus#FAILED}.
 *
 * @param <I> the saga's input type
 */
@FunctionalInterface
public interface Compensation<I> {

  /**
   * Undoes the step.
   *
   * @param context the saga and step; {@link StepContext#output(String)} of this step is what its
   *     action returned, if it returned
   * @throws Exception to fail the attempt
   */
  void compensate(StepContext<I> context) throws Exception;
}
