package dev.layerkit.gateway.http;

/** Thrown by {@link Gateway#start()} when the gateway cannot listen, for example on a port in use. */
public final class GatewayStartException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what could not be done
   * @param cause the underlying failure
   */
  public GatewayStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
