package dev.layerkit.events.pipeline;

/** A pipeline job failed; the message names the pipeline and how far it got. */
public final class PipelineException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed, naming the pipeline
   * @param cause the error
   */
  public PipelineException(String message, Throwable cause) {
    super(message, cause);
  }
}
