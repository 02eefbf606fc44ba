package dev.layerkit.service;

import dev.layerkit.gateway.lb.Endpoint;

/**
 * The service answered 4xx: the request was wrong (or not allowed, or conflicting), so it is
 * never retried and never counts against the endpoint's health. {@link #body()} holds what the
 * service said.
 */
public final class ClientErrorException extends ServiceStatusException {

  private static final long serialVersionUID = 1L;

  ClientErrorException(String serviceName, Endpoint endpoint, String method, String path, int status, byte[] body) {
    super(serviceName, endpoint, method, path, status, body);
  }
}
