package dev.layerkit.service;

import org.jspecify.annotations.Nullable;

/**
 * No endpoint of the service could take the call: the balancer had none (the set is empty, or
 * every endpoint is ejected or unhealthy with panic mode off), every attempt failed to connect, or
 * the client's circuit breaker is open. The message starts with {@code "no available endpoint"}
 * and says which.
 *
 * <p>The call fails as soon as this is known, or at its deadline at the latest, never after
 * retries times per-try timeouts.
 */
public final class ServiceUnavailableException extends ServiceCallException {

  private static final long serialVersionUID = 1L;

  ServiceUnavailableException(String serviceName, String method, String path, String detail,
      @Nullable Throwable cause) {
    super(serviceName, null, method, path, "no available endpoint: " + detail, cause);
  }
}
