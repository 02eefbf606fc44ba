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
   * Returns a resolver keyed by the authenticated principal ({@code "<scheme>:<subject>"}: {@code
   * "api-key:<keyId>"}, {@code "jwt:<sub>"}), and for an anonymous request (a route without auth,
   * {@link Principal#ANONYMOUS}) by the client address, {@code "ip:<address>"}: the connected
   * peer, {@code X-Forwarded-For} ignored. Anonymous clients so get a bucket each instead of
   * sharing one. This is the default of {@link Route.Builder#rateLimit(
   * dev.layerkit.gateway.ratelimit.RateLimiter)}; behind a proxy, use {@link
   * #principal(TrustedProxies)}.
   *
   * @return the resolver
   */
  static KeyResolver principal() {
    return principal(TrustedProxies.none());
  }

  /**
   * Returns a resolver like {@link #principal()} whose client address for anonymous requests is
   * found through {@code trustedProxies} (see {@link TrustedProxies#clientIp}): {@code
   * X-Forwarded-For} is believed only from those proxies.
   *
   * @param trustedProxies the proxies whose {@code X-Forwarded-For} entries are believed
   * @return the resolver
   * @throws NullPointerException if {@code trustedProxies} is null
   */
  static KeyResolver principal(TrustedProxies trustedProxies) {
    return KeyResolvers.principalElseIp(trustedProxies);
  }

  /**
   * Returns a resolver keyed by the API key's id ({@code "api-key:<keyId>"}) for requests an
   * {@link ApiKeyAuth} authenticated, and by the client address ({@code "ip:<address>"}, the
   * connected peer, {@code X-Forwarded-For} ignored) for every other request: anonymous ones on a
   * route without auth, or ones another scheme of an {@link Auth#anyOf} authenticated.
   *
   * @return the resolver
   */
  static KeyResolver apiKey() {
    return apiKey(TrustedProxies.none());
  }

  /**
   * Returns a resolver like {@link #apiKey()} whose fallback client address is found through
   * {@code trustedProxies} (see {@link TrustedProxies#clientIp}).
   *
   * @param trustedProxies the proxies whose {@code X-Forwarded-For} entries are believed
   * @return the resolver
   * @throws NullPointerException if {@code trustedProxies} is null
   */
  static KeyResolver apiKey(TrustedProxies trustedProxies) {
    return KeyResolvers.bySchemeElseIp("api-key", trustedProxies);
  }

  /**
   * Returns a resolver keyed by the JWT's subject ({@code "jwt:<sub>"}) for requests a {@link
   * JwtAuth} authenticated, and by the client address ({@code "ip:<address>"}, the connected
   * peer, {@code X-Forwarded-For} ignored) for every other request.
   *
   * @return the resolver
   */
  static KeyResolver jwtSubject() {
    return jwtSubject(TrustedProxies.none());
  }

  /**
   * Returns a resolver like {@link #jwtSubject()} whose fallback client address is found through
   * {@code trustedProxies} (see {@link TrustedProxies#clientIp}).
   *
   * @param trustedProxies the proxies whose {@code X-Forwarded-For} entries are believed
   * @return the resolver
   * @throws NullPointerException if {@code trustedProxies} is null
   */
  static KeyResolver jwtSubject(TrustedProxies trustedProxies) {
    return KeyResolvers.bySchemeElseIp("jwt", trustedProxies);
  }

  /**
   * Returns a resolver keyed by the client address, {@code "ip:<address>"}: the connected peer,
   * or, when the peer is a trusted proxy, the first untrusted address of {@code X-Forwarded-For}
   * read from the right (see {@link TrustedProxies#clientIp}), so that a client cannot pick its
   * own key by forging the header.
   *
   * @param trustedProxies the proxies whose {@code X-Forwarded-For} entries are believed; {@link
   *     TrustedProxies#none()} to always key by the peer
   * @return the resolver
   * @throws NullPointerException if {@code trustedProxies} is null
   */
  static KeyResolver clientIp(TrustedProxies trustedProxies) {
    return KeyResolvers.clientIp(trustedProxies);
  }
}
