package dev.layerkit.events.pipeline;

/** An {@link AnalyticsSink}'s backend failed; the message names the sink and what it did. */
public final class AnalyticsSinkException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed, naming the sink
   * @param cause the backend's error
   */
  public AnalyticsSinkException(String message, Throwable cause) {
    super(message, cause);
  }
}
