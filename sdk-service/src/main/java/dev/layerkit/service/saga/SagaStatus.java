package dev.layerkit.service.saga;

/**
 * Where a saga is in its life. {@link #RUNNING} and {@link #COMPENSATING} are live: an instance
 * holds the saga's lease and drives it, or another instance resumes it when the lease lapses.
 * The other three are final.
 */
public enum SagaStatus {
  /** Running its steps forward. */
  RUNNING,
  /** A step failed; undoing the completed steps in reverse order. */
  COMPENSATING,
  /** Every step completed. */
  COMPLETED,
  /** A step failed and every completed step was compensated. */
  COMPENSATED,
  /** A compensation failed after its attempts: the saga needs an operator; its history says where. */
  FAILED;

  /**
   * Returns whether the saga will not move any more.
   *
   * @return true for {@link #COMPLETED}, {@link #COMPENSATED} and {@link #FAILED}
   */
  public boolean isFinal() {
    return this == COMPLETED || this == COMPENSATED || this == FAILED;
  }
}
