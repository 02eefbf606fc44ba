package dev.layerkit.service;

import dev.layerkit.gateway.lb.Endpoint;

/**
 * An attempt got no answer: the connection was refused, reset or timed out, or the per-try
 * timeout passed before the response headers arrived. Transient: an idempotent call (or one with
 * an {@code Idempotency-Key}) is retried on another endpoint within the retry budget.
 */
public final class TransportException extends ServiceCallException {

  private static final long serialVersionUID = 1L;

  private final boolean connectFailure;
  private final boolean timeout;

  TransportException(String serviceName, Endpoint endpoint, String method, String path,
      boolean connectFailure, boolean timeout, String detail, Throwable cause) {
    super(serviceName, endpoint, method, path, detail, cause);
    this.connectFailure = connectFailure;
    this.timeout = timeout;
  }

  /**
   * Returns whether the connection could not be made at all, so the request surely never reached
   * the service.
   *
   * @return true for a refused or timed-out connection attempt
   */
  public boolean isConnectFailure() {
    return connectFailure;
  }

  /**
   * Returns whether the attempt ran out of time (the per-try timeout or the connect timeout).
   *
   * @return true for a timeout
   */
  public boolean isTimeout() {
    return timeout;
  }

  /**
   * Returns true: another endpoint may answer.
   *
   * @return true
   */
  @Override
  public boolean isTransient() {
    return true;
  }
}
