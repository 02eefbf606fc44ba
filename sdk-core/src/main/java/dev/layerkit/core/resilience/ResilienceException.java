package dev.layerkit.core.resilience;

import java.time.Duration;
import java.util.Objects;

/**
 * Thrown by {@link ResiliencePolicy#execute} when the policy itself ends a synchronous call in a
 * way that has no unchecked exception of its own: a per-attempt timeout or an interrupt.
 *
 * <p>Failures of the protected call, and the rejections of Resilience4j
 * ({@link io.github.resilience4j.circuitbreaker.CallNotPermittedException},
 * {@link io.github.resilience4j.bulkhead.BulkheadFullException}), are never wrapped in it. Async
 * calls never see it: their stages fail with the checked exception itself.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class ResilienceException extends RuntimeException {

  /** Why the policy ended the call. */
  public enum Reason {
    /**
     * The last attempt ran past the policy's timeout; the cause is the
     * {@link java.util.concurrent.TimeoutException} from Resilience4j's time limiter.
     */
    TIMEOUT,
    /**
     * The calling thread was interrupted while waiting (backoff, bulkhead or timeout); the thread's
     * interrupt flag has been set again and the cause is the {@link InterruptedException}.
     */
    INTERRUPTED
  }

  /** The name of the policy that ended the call. */
  private final String policyName;
  /** Why the policy ended the call. */
  private final Reason reason;

  private ResilienceException(String policyName, Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.policyName = policyName;
    this.reason = reason;
  }

  /**
   * Creates the exception for an attempt that timed out.
   *
   * @param policyName the name of the policy
   * @param timeout the per-attempt timeout that was exceeded
   * @param cause the time limiter's exception
   * @return a new exception naming the policy and the timeout
   */
  static ResilienceException timeout(String policyName, Duration timeout, Throwable cause) {
    return new ResilienceException(policyName, Reason.TIMEOUT,
        "ResiliencePolicy '" + policyName + "' timed out after " + timeout, Objects.requireNonNull(cause, "cause"));
  }

  /**
   * Creates the exception for a call whose thread was interrupted. The caller must have restored
   * the interrupt flag.
   *
   * @param policyName the name of the policy
   * @param cause the interrupt
   * @return a new exception naming the policy
   */
  static ResilienceException interrupted(String policyName, InterruptedException cause) {
    return new ResilienceException(policyName, Reason.INTERRUPTED,
        "ResiliencePolicy '" + policyName + "' was interrupted while waiting", cause);
  }

  /**
   * Returns the name of the policy that ended the call.
   *
   * @return the policy name
   */
  public String policyName() {
    return policyName;
  }

  /**
   * Returns why the policy ended the call.
   *
   * @return the reason, never null
   */
  public Reason reason() {
    return reason;
  }
}
