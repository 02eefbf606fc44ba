package dev.layerkit.test.servers;

/**
 * Says that one way of getting a server found none: nothing answers on loopback, no Docker engine
 * runs, and so on.
 *
 * <p>It is an expected outcome, not a fault, so it carries no stack trace and the resolver quotes
 * only its message. Immutable once thrown.
 */
final class ServerUnavailableException extends Exception {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param reason what was looked for and what was found instead, e.g. "nothing listens on
   *     127.0.0.1:6379"
   */
  ServerUnavailableException(String reason) {
    super(reason, null, false, false);
  }
}
