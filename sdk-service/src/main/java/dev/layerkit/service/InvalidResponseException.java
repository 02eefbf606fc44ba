package dev.layerkit.service;

import dev.layerkit.gateway.lb.Endpoint;
import org.jspecify.annotations.Nullable;

/**
 * The service answered, but the answer could not be used: a content type other than the one
 * expected, a body the codec could not decode (garbage, or JSON cut short), or a body the
 * connection ended in the middle of. The message names the service, the endpoint and what was
 * wrong.
 *
 * <p>Never reported as a timeout, and not retried, with one exception: the service did receive
 * the request (and may have acted on it), and the same endpoint would most likely answer the same
 * way; it is a bug or a version mismatch to fix, not a blip to wait out. The exception is {@link
 * Problem#TRUNCATED_BODY}: a connection that ends in the middle of a body is most often an instance
 * dying mid-answer, so it is {@linkplain #isTransient() transient}, and a retryable request
 * (idempotent, or with an {@code Idempotency-Key}) is retried as after a transport failure. It
 * counts against the endpoint for outlier ejection either way, since an endpoint that answers
 * garbage should get less traffic.
 */
public final class InvalidResponseException extends ServiceCallException {

  private static final long serialVersionUID = 1L;

  /** What was wrong with the response. */
  public enum Problem {
    /** The {@code Content-Type} was not the expected one. */
    WRONG_CONTENT_TYPE,
    /** The body could not be decoded by the call's codec. */
    UNDECODABLE_BODY,
    /** The connection ended after the headers, before the whole body arrived. */
    TRUNCATED_BODY,
    /** A status the client does not handle (1xx or 3xx; redirects are not followed). */
    UNEXPECTED_STATUS
  }

  private final Problem problem;

  InvalidResponseException(String serviceName, Endpoint endpoint, String method, String path,
      Problem problem, String detail, @Nullable Throwable cause) {
    super(serviceName, endpoint, method, path, detail, cause);
    this.problem = problem;
  }

  /**
   * Returns what was wrong with the response.
   *
   * @return the problem
   */
  public Problem problem() {
    return problem;
  }

  /**
   * Returns whether another attempt may help: only for a body the connection cut short.
   *
   * @return true for {@link Problem#TRUNCATED_BODY}
   */
  @Override
  public boolean isTransient() {
    return problem == Problem.TRUNCATED_BODY;
  }
}
