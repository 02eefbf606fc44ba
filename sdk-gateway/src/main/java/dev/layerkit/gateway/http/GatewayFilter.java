package dev.layerkit.gateway.http;

/**
 * One step of a request's way through the gateway, between the decoded request head and the
 * target: routing, the body limit, CORS, authentication, rate limiting, static files, the
 * response cache and the proxy are each one filter. {@link GatewayFilters#STANDARD} lists them in
 * their order and says why it is that order; a new concern (authorization, transforms, canary
 * splits, mirroring, compression, an access log) is a new class in that list, not a branch in the
 * connection handler.
 *
 * <p>A filter ends its part by calling exactly one of {@link FilterContext#proceed()} (the next
 * filter runs), {@link FilterContext#respond}, {@link FilterContext#fail} (the gateway answers
 * without forwarding) or {@link FilterContext#forward} (the request goes to an upstream). It may
 * do so before it returns or later: a filter that waits for something (an asynchronous rate
 * limiter, a remote authorization service) returns at once and calls one of them when its
 * {@code CompletionStage} completes, from any thread; the context hops back to the connection's
 * event loop before anything else runs. Meanwhile the connection reads nothing more and holds
 * what it already read, so a slow filter back-pressures the client.
 *
 * <p>Filters run on the event loop and must not block. They are shared by every connection, so
 * they keep no per-request state of their own: what a filter learns for the filters after it
 * (the route, the principal, extra response headers) goes into the {@link FilterContext}.
 */
interface GatewayFilter {

  /**
   * Handles a request, see the interface's contract.
   *
   * @param request the request and what the filters before this one learned about it
   */
  void filter(FilterContext request);
}
