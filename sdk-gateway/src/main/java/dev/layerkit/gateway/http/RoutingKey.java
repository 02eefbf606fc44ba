package dev.layerkit.gateway.http;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link Route} hashes on to choose an endpoint of a consistent-hash upstream ({@link
 * dev.layerkit.gateway.lb.LoadBalancers#consistentHash()}): a header, a cookie, a query
 * parameter, the authenticated caller or the client's IP address, tried in a chain.
 *
 * <pre>{@code
 * Route.builder("carts")
 *     .pathPrefix("/carts")
 *     .upstream(Upstream.of("carts", LoadBalancers.consistentHash(() -> HashRing.<Endpoint>builder())
 *         .serviceName("carts").endpointSource(source).build()))
 *     .hashOn(RoutingKey.header("X-User-Id")
 *         .orElse(RoutingKey.cookie("SESSION"))
 *         .orElse(RoutingKey.clientIp(TrustedProxies.of("10.0.0.0/8"))))
 *     .build();
 * }</pre>
 *
 * <p>The gateway hands the key to the balancer as {@link
 * dev.layerkit.gateway.lb.RequestContext#ofKey(String)} of the value as the request carries it
 * (no prefix naming where it came from), so a request routed by {@code X-User-Id: 42} lands on
 * the endpoint a {@code ServiceClient} picks for {@code RequestContext.ofKey("42")} over the same
 * endpoints.
 *
 * <h2>A request without the key</h2>
 *
 * <p>Each key of an {@link #orElse} chain is tried in order and the first one the request
 * carries is used. A request that carries none is not refused: it gets a random key hash of its
 * own (a fresh one per request), so key-less requests spread over the endpoints in proportion to
 * their share of the hash space, and the balancer never sees a request without a key. Such
 * requests are counted by the meter {@code layerkit.gateway.hash.fallback} (tag {@code route}).
 * End a chain with {@link #clientIp()} to keep key-less clients sticky by address instead, or
 * with {@link #stickyCookie(String)} to give them a key of their own that their next requests
 * carry (sticky sessions).
 *
 * <h2>Retries and open circuits</h2>
 *
 * <p>A retry, or a pick whose endpoint's circuit is open, hashes again on a value derived from
 * the key, so it goes to another endpoint that is the same for every request with that key (the
 * key's second choice) instead of back to the failing one.
 *
 * <h2>Implementing</h2>
 *
 * <p>Implementations must be thread-safe, fast and non-blocking: {@link #resolve} runs on the
 * event loop, once for each request of the route, before the request is changed for the
 * upstream (before {@code X-Forwarded-For} is appended and headers are rewritten).
 */
@FunctionalInterface
public interface RoutingKey {

  /**
   * Returns the key of a request, or null if the request does not carry it.
   *
   * @param request the request as the client sent it
   * @param principal who {@link Auth} said the caller is ({@link Principal#ANONYMOUS} on a route
   *     without auth)
   * @return the key, or null (an empty string counts as null)
   */
  @Nullable String resolve(GatewayRequest request, Principal principal);

  /**
   * Returns a key that is this one when the request carries it, else {@code next}'s.
   *
   * @param next the key to try when this one is absent
   * @return the chain
   * @throws NullPointerException if {@code next} is null
   */
  default RoutingKey orElse(RoutingKey next) {
    return RoutingKeys.chain(this, Objects.requireNonNull(next, "next"));
  }

  /**
   * Returns the key in a request header. Several lines of the header count as one value, joined
   * in the order sent with {@code ", "} (as RFC 9110 section 5.3 allows a recipient to combine
   * them), so {@code X-User-Id: a} followed by {@code X-User-Id: b} routes like {@code X-User-Id:
   * a, b}. Empty lines are skipped; a header with no non-empty line is absent.
   *
   * @param name the header name, any case
   * @return the key
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is not an HTTP token
   */
  static RoutingKey header(String name) {
    return RoutingKeys.header(name);
  }

  /**
   * Returns the key in a cookie (RFC 6265 {@code Cookie} header, every line of it), decoded by
   * Netty's lenient {@code ServerCookieDecoder}: a malformed pair is skipped without hiding the
   * others, and a value in double quotes is taken without them. The first cookie of the name
   * wins; one with an empty value is absent. For sticky sessions whose cookie the upstream sets,
   * see {@link #stickyCookie(String)}.
   *
   * @param name the cookie name, case-sensitive
   * @return the key
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is not an HTTP token
   */
  static RoutingKey cookie(String name) {
    return RoutingKeys.cookie(name);
  }

  /**
   * Returns the key in a cookie that the gateway itself sets, for sticky sessions that start on
   * the first request: a request that carries none of its chain's keys gets a fresh random value
   * (128 bits, hex), is routed by it, and its response carries {@code Set-Cookie: <name>=<value>;
   * Path=/; HttpOnly; SameSite=Lax} (a session cookie, beside any {@code Set-Cookie} of the
   * upstream's). The client's next requests carry the cookie and so reach the same endpoint, the
   * one where the upstream created its session; this is what keying on the upstream's own session
   * cookie cannot do, since its first request is routed before that cookie exists. Otherwise it
   * reads like {@link #cookie(String)}.
   *
   * <p>In a chain, the earlier keys win when present (no cookie is set then), and keys after a
   * sticky cookie are never reached: a request without any gets the cookie instead of the random
   * spread. The cookie's value only chooses an endpoint; it grants nothing, so a client that sets
   * its own value merely chooses where it lands, as with any other key.
   *
   * @param name the cookie name, case-sensitive
   * @return the key
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is not an HTTP token
   */
  static RoutingKey stickyCookie(String name) {
    return RoutingKeys.stickyCookie(name);
  }

  /**
   * Returns the key in a query parameter of the request target, percent-decoded as UTF-8 with
   * {@code +} as a space (so {@code ?user=a%40b.example} and {@code ?user=a@b.example} are the
   * same key). Parameters are separated by {@code &}; names are compared after decoding, and a
   * parameter without {@code =} is skipped. The first parameter of the name wins; if its value is
   * empty or not valid percent-encoding, the key is absent. A malformed other parameter does not
   * matter.
   *
   * @param name the parameter name, case-sensitive, not empty
   * @return the key
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is empty
   */
  static RoutingKey queryParameter(String name) {
    return RoutingKeys.query(name);
  }

  /**
   * Returns the {@code sub} claim of a JWT that the route's {@link JwtAuth} accepted; absent for
   * requests another scheme authenticated and for anonymous ones. Needs an {@link Auth} on the
   * route.
   *
   * @return the key
   */
  static RoutingKey jwtSubject() {
    return RoutingKeys.scheme("jwt");
  }

  /**
   * Returns the subject of the authenticated caller, whatever the scheme (the API key's id, the
   * JWT's {@code sub}); absent for anonymous requests.
   *
   * @return the key
   */
  static RoutingKey principal() {
    return RoutingKeys.principal();
  }

  /**
   * Returns the address of the peer that connected to the gateway, {@code X-Forwarded-For}
   * ignored. Every request has one, so nothing after it in a chain is ever tried. Behind a proxy,
   * use {@link #clientIp(TrustedProxies)}.
   *
   * @return the key
   */
  static RoutingKey clientIp() {
    return clientIp(TrustedProxies.none());
  }

  /**
   * Returns the client's address as the rate limiter's {@link KeyResolver#clientIp} finds it:
   * the connected peer, or, when the peer is a trusted proxy, the first untrusted address of
   * {@code X-Forwarded-For} read from the right (see {@link TrustedProxies#clientIp}). Every
   * request has one, so nothing after it in a chain is ever tried.
   *
   * @param trustedProxies the proxies whose {@code X-Forwarded-For} entries are believed
   * @return the key
   * @throws NullPointerException if {@code trustedProxies} is null
   */
  static RoutingKey clientIp(TrustedProxies trustedProxies) {
    return RoutingKeys.clientIp(trustedProxies);
  }
}
