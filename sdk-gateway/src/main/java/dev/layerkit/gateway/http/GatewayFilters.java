package dev.layerkit.gateway.http;

import java.util.List;

/**
 * The gateway's filter chain, in order. Each position is chosen for a reason:
 *
 * <ol>
 *   <li>{@link RoutingFilter}: everything after it is the route's configuration (404 without one);
 *   <li>{@link BodyLimitFilter}: a declared body over the route's limit is refused (413) before
 *       any work is spent on it;
 *   <li>{@link CorsFilter}: a preflight carries no credentials, so it is answered before
 *       authentication; the CORS headers it computes go on every later answer of the route;
 *   <li>{@link AuthFilter}: 401/403 before any caller's budget is touched; it may complete
 *       asynchronously (a JWT whose key must be fetched from a JWKS URL is verified off the event
 *       loop);
 *   <li>{@link AuthorizationFilter}: 403 {@code insufficient_scope} for authenticated callers
 *       without the route's scopes, roles or groups, also before any budget is touched;
 *   <li>{@link RateLimitFilter}: after authentication, so a limit counts the authenticated caller
 *       and unauthenticated requests never consume a caller's permits;
 *   <li>{@link StaticFilesFilter}: a static route answers here;
 *   <li>{@link ResponseCacheFilter}: a fresh cached GET is served, otherwise the response is
 *       captured on its way back;
 *   <li>{@link SplitFilter}: the variant of a {@link TrafficSplit}, chosen only for requests that
 *       will be forwarded (a cached answer is not counted in the split);
 *   <li>{@link MirrorFilter}: the shadow copy, started last so that only forwarded requests are
 *       mirrored, and beside the request, which goes on at once;
 *   <li>{@link ProxyFilter}: the end of the chain, the {@link Exchange} with the upstream.
 * </ol>
 */
final class GatewayFilters {

  /** The standard chain; the filters are stateless and shared by every connection. */
  static final List<GatewayFilter> STANDARD = List.of(
      new RoutingFilter(),
      new BodyLimitFilter(),
      new CorsFilter(),
      new AuthFilter(),
      new AuthorizationFilter(),
      new RateLimitFilter(),
      new StaticFilesFilter(),
      new ResponseCacheFilter(),
      new SplitFilter(),
      new MirrorFilter(),
      new ProxyFilter());

  private GatewayFilters() {}
}
