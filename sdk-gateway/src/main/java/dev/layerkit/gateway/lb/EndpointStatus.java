package dev.layerkit.gateway.lb;

import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link LoadBalancer} knows about one endpoint at one moment, from
 * {@link LoadBalancer#status(Endpoint)}. Immutable; meant for diagnostics, admin pages and tests.
 *
 * @param endpoint the endpoint, as in the current set
 * @param outstanding requests picked for it and not yet completed or cancelled
 * @param ejected whether outlier detection has ejected it
 * @param ejectedFor how much longer its ejection lasts; {@link Duration#ZERO} unless ejected
 * @param timesEjected how many times it has been ejected since it joined the set
 * @param healthy whether it passes active health checks (always true without them)
 * @param weightPercent its slow-start weight as a percentage of its full weight; 100 when not
 *     ramping up
 * @param latencyNanos its peak-EWMA latency estimate in nanoseconds, decayed to now; 0 when no
 *     request has completed or the strategy does not track latency
 */
public record EndpointStatus(
    Endpoint endpoint,
    int outstanding,
    boolean ejected,
    Duration ejectedFor,
    int timesEjected,
    boolean healthy,
    int weightPercent,
    double latencyNanos) {

  /**
   * Validates the status.
   *
   * @param endpoint the endpoint
   * @param outstanding outstanding requests
   * @param ejected whether ejected
   * @param ejectedFor remaining ejection time
   * @param timesEjected ejection count
   * @param healthy whether healthy
   * @param weightPercent slow-start weight percentage
   * @param latencyNanos latency estimate
   * @throws NullPointerException if {@code endpoint} or {@code ejectedFor} is null
   */
  public EndpointStatus {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(ejectedFor, "ejectedFor");
  }

  /**
   * Returns whether picks may choose this endpoint outside panic mode.
   *
   * @return true if neither ejected nor unhealthy
   */
  public boolean available() {
    return !ejected && healthy;
  }
}
