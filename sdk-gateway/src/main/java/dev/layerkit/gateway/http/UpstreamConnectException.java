package dev.layerkit.gateway.http;

/**
 * A connection to an endpoint could not be made ready (closed while opening, no {@code h2} by
 * ALPN, no SETTINGS in time): the request was not sent, so it may go to another endpoint.
 */
final class UpstreamConnectException extends Exception {

  private static final long serialVersionUID = 1L;

  UpstreamConnectException(String message) {
    super(message, null, false, false);
  }
}
