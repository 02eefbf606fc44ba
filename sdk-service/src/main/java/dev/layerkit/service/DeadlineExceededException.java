package dev.layerkit.service;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The call's overall deadline passed before any attempt succeeded. The deadline covers every
 * attempt, backoff and hedge; the last attempt's failure, if there was one, is the cause.
 */
public final class DeadlineExceededException extends ServiceCallException {

  private static final long serialVersionUID = 1L;

  private final Duration deadline;

  DeadlineExceededException(String serviceName, String method, String path, Duration deadline, int attempts,
      @Nullable Throwable cause) {
    super(serviceName, null, method, path,
        "deadline of " + deadline.toMillis() + " ms exceeded after " + attempts + " attempt(s)", cause);
    this.deadline = deadline;
  }

  /**
   * Returns the deadline the call had.
   *
   * @return the overall deadline
   */
  public Duration deadline() {
    return deadline;
  }
}
