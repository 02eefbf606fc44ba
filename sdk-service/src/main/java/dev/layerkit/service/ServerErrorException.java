package dev.layerkit.service;

import dev.layerkit.gateway.lb.Endpoint;

/**
 * The service answered 5xx. Transient: an idempotent call (or one with an
 * {@code Idempotency-Key}) is retried on another endpoint within the retry budget, and the
 * failure counts against the endpoint for outlier ejection.
 */
public final class ServerErrorException extends ServiceStatusException {

  private static final long serialVersionUID = 1L;

  ServerErrorException(String serviceName, Endpoint endpoint, String method, String path, int status, byte[] body) {
    super(serviceName, endpoint, method, path, status, body);
  }

  /**
   * Returns true: another endpoint, or the same one a moment later, may answer.
   *
   * @return true
   */
  @Override
  public boolean isTransient() {
    return true;
  }
}
