package dev.layerkit.gateway.http;

/**
 * An upstream response the {@link UpstreamResponseReader} refuses. Without a stack trace: it
 * describes the upstream's bytes, not a fault of the gateway.
 */
final class BadResponseException extends Exception {
  private static final long serialVersionUID = 1L;

  BadResponseException(String message) {
    super("invalid upstream response: " + message, null, false, false);
  }

  BadResponseException(Exception cause) {
    super("invalid upstream response: " + cause.getMessage(), cause, false, false);
  }
}
