package dev.layerkit.core.health;

/**
 * How healthy a component is, from best to worst.
 *
 * <p>An admin server answers 200 for {@link #UP} and {@link #DEGRADED} and 503 for {@link #DOWN};
 * the aggregate of several checks is the worst of them.
 */
public enum HealthStatus {
  /** Working normally. */
  UP,
  /** Working with reduced capability, for example serving through a fallback or a fail-open mode. */
  DEGRADED,
  /** Not working: traffic that depends on it should go elsewhere. */
  DOWN;

  /**
   * Returns the worse of this status and {@code other}.
   *
   * @param other another status
   * @return {@code DOWN} if either is down, else {@code DEGRADED} if either is degraded, else
   *     {@code UP}
   */
  public HealthStatus and(HealthStatus other) {
    return compareTo(other) >= 0 ? this : other;
  }
}
