package dev.layerkit.gateway.http;

/**
 * Decides whom a request counts against for rate limiting: the key passed to the route's {@link
 * dev.layerkit.gateway.ratelimit.RateLimiter}.
 *
 * <p>Implementations must be thread-safe, fast and non-blocking (they run on the event loop).
 */
@FunctionalInterface
public interface KeyResolver {

  /**
   * Returns the rate-limit key of a request.
   *
   * @param request the request
   * @param principal who {@link Auth} said the caller is
   * @return the key, never empty
   */
  String resolve(GatewayRequest request, Principal principal);

  /**
   * Returns a resolver keyed by the authenticated principal's subject (the API key's id or the
   * JWT's {@code sub}).
   *
   * @return the resolver
   */
  static KeyResolver principal() {
    return (request, principal) -> principal.scheme() + ":" + principal.subject();
  }
}
