package dev.layerkit.service;

import dev.layerkit.gateway.lb.Endpoint;
import org.jspecify.annotations.Nullable;

/**
 * A call made through a {@link ServiceClient} failed. Each subclass says how, so a caller can
 * react without parsing messages:
 *
 * <ul>
 *   <li>{@link ClientErrorException}: the service answered 4xx; never retried; carries the body.</li>
 *   <li>{@link ServerErrorException}: the service answered 5xx; retried when the call may be.</li>
 *   <li>{@link InvalidResponseException}: the answer was unusable (wrong content type, a body the
 *       codec could not read, a body cut short); never retried, never reported as a timeout.</li>
 *   <li>{@link TransportException}: no answer (connection refused or reset, per-try timeout);
 *       retried when the call may be.</li>
 *   <li>{@link ServiceUnavailableException}: no endpoint could take the call (none known, all
 *       ejected, every attempt refused, or the circuit breaker open).</li>
 *   <li>{@link DeadlineExceededException}: the call's overall deadline passed.</li>
 * </ul>
 *
 * <p>Every message names the service and, where one was reached, the endpoint, so a log line
 * says where to look. Unchecked, as every Layerkit domain exception.
 */
public class ServiceCallException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String serviceName;
  private final transient @Nullable Endpoint endpoint;
  private final String method;
  private final String path;

  ServiceCallException(String serviceName, @Nullable Endpoint endpoint, String method, String path,
      String message, @Nullable Throwable cause) {
    super(describe(serviceName, endpoint, method, path) + ": " + message, cause);
    this.serviceName = serviceName;
    this.endpoint = endpoint;
    this.method = method;
    this.path = path;
  }

  /**
   * Returns the name of the service that was called.
   *
   * @return the service name
   */
  public String serviceName() {
    return serviceName;
  }

  /**
   * Returns the endpoint the failing attempt went to.
   *
   * @return the endpoint, or null if no endpoint was reached (for example none was available)
   */
  public @Nullable Endpoint endpoint() {
    return endpoint;
  }

  /**
   * Returns the HTTP method of the call.
   *
   * @return the method, for example {@code GET}
   */
  public String method() {
    return method;
  }

  /**
   * Returns the path of the call.
   *
   * @return the path, for example {@code /orders/42}
   */
  public String path() {
    return path;
  }

  /**
   * Returns whether this failure may succeed on another attempt (a 5xx or a transport failure).
   * Whether the client retries also depends on the call: only idempotent methods and calls that
   * carry an {@code Idempotency-Key} are retried.
   *
   * @return true if another attempt may help
   */
  public boolean isTransient() {
    return false;
  }

  private static String describe(String serviceName, @Nullable Endpoint endpoint, String method, String path) {
    return "service '" + serviceName + "'" + (endpoint != null ? " endpoint " + endpoint.id() : "")
        + " " + method + " " + path;
  }
}
