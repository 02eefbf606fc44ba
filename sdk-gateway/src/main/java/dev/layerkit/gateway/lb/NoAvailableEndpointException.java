package dev.layerkit.gateway.lb;

import java.util.Objects;

/**
 * Thrown by {@link LoadBalancer#pick(RequestContext)} when a service has no endpoint that may take
 * a request: its endpoint set is empty, or every endpoint is ejected or failing health checks and
 * panic mode is off.
 *
 * <p>Unchecked, because a caller cannot do better than fail the request (or fall back) and should
 * not be forced to declare it. A balancer throws it without a stack trace by default: every
 * request fails the same way while a service is down, the cause is the endpoint set and not the
 * call site, and filling in stack traces at that rate costs microseconds each (see
 * {@link LoadBalancerBuilder#writableStackTrace(boolean)}).
 */
public final class NoAvailableEndpointException extends RuntimeException {

  /** The service that had no available endpoint; part of the serialized form. */
  private final String serviceName;

  /** How many endpoints the service had, available or not; part of the serialized form. */
  private final int endpoints;

  private NoAvailableEndpointException(String message, String serviceName, int endpoints, boolean writableStackTrace) {
    super(message, null, false, writableStackTrace);
    this.serviceName = serviceName;
    this.endpoints = endpoints;
  }

  /**
   * Creates the exception for a service whose endpoints all exist but none is available.
   *
   * @param serviceName the service
   * @param endpoints how many endpoints the service has
   * @param ejected how many of them are ejected by outlier detection
   * @param unhealthy how many of them fail active health checks
   * @param writableStackTrace whether to record a stack trace
   * @return the exception
   * @throws NullPointerException if {@code serviceName} is null
   */
  public static NoAvailableEndpointException of(String serviceName, int endpoints, int ejected, int unhealthy,
      boolean writableStackTrace) {
    Objects.requireNonNull(serviceName, "serviceName");
    String message = endpoints == 0
        ? "no available endpoint for service '" + serviceName + "': it has no endpoints"
        : "no available endpoint for service '" + serviceName + "': " + endpoints + " endpoints, "
            + ejected + " ejected, " + unhealthy + " failing health checks";
    return new NoAvailableEndpointException(message, serviceName, endpoints, writableStackTrace);
  }

  /**
   * Returns the service that had no available endpoint.
   *
   * @return the service name
   */
  public String serviceName() {
    return serviceName;
  }

  /**
   * Returns how many endpoints the service had, available or not, when the pick failed.
   *
   * @return the endpoint count
   */
  public int endpoints() {
    return endpoints;
  }
}
