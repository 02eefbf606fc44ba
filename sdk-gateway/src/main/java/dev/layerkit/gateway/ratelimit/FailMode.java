package dev.layerkit.gateway.ratelimit;

/**
 * What a distributed {@link RateLimiter} decides when its backend fails or is too slow to answer
 * within the configured timeout.
 */
public enum FailMode {
  /**
   * Allow the request: availability over enforcement. Right for limits that protect against abuse
   * rather than enforce a contract; a backend outage then does not take the API down.
   */
  OPEN,
  /**
   * Deny the request: enforcement over availability. Right for limits that protect a fragile
   * dependency or enforce paid quotas.
   */
  CLOSED
}
