package dev.layerkit.gateway.http;

import dev.layerkit.gateway.ratelimit.RateLimitDecision;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the route's {@link RateLimiter} about the key its {@link KeyResolver} gives for the
 * request and the principal; a denial is a 429 with {@code Retry-After} and the {@code
 * RateLimit-*} headers (see {@link RateLimitHeaders}), a limiter that throws a 503.
 *
 * <p>The limiter is called synchronously on the event loop today, so it must answer fast (an
 * in-memory limiter, or a Redis limiter with a short timeout). The chain lets this filter
 * complete later (see {@link GatewayFilter}), which is how an asynchronous limiter call will fit.
 */
final class RateLimitFilter implements GatewayFilter {

  private static final Logger LOG = LoggerFactory.getLogger(RateLimitFilter.class);

  @Override
  public void filter(FilterContext request) {
    RouteState state = request.route();
    Route route = state.route;
    RateLimiter limiter = route.rateLimiter();
    if (limiter == null) {
      request.proceed();
      return;
    }
    RateLimitDecision decision;
    try {
      decision = limiter.tryAcquire(route.keyResolver().resolve(request.view, request.principal()));
    } catch (RuntimeException e) {
      LOG.warn("rate limiter of route {} failed for request {}", route.id(), request.requestId(),
          e);
      request.fail(503, "rate limiter unavailable");
      return;
    }
    if (decision.allowed()) {
      request.limiterDecision("allowed");
      request.proceed();
      return;
    }
    request.limiterDecision("denied");
    state.rateLimited.increment();
    FullHttpResponse response = request.error(429, "rate limit exceeded");
    HttpHeaders out = response.headers();
    long resetSeconds = RateLimitHeaders.resetSeconds(decision);
    if (resetSeconds > 0) {
      out.set(HttpHeaderNames.RETRY_AFTER, resetSeconds);
      out.set(RateLimitHeaders.RESET, resetSeconds);
    }
    out.set(RateLimitHeaders.LIMIT, decision.limit());
    out.set(RateLimitHeaders.REMAINING, decision.remaining());
    request.respond(response);
  }
}
