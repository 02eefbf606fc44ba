package dev.layerkit.gateway.http;

import dev.layerkit.gateway.ratelimit.RateLimitDecision;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the route's {@link RateLimiter} about the key its {@link KeyResolver} gives for the
 * request and the principal; a denial is a 429 with {@code Retry-After} and the {@code
 * RateLimit-*} headers (see {@link RateLimitHeaders}), a limiter that throws or whose decision
 * fails a 503.
 *
 * <p>The limiter is asked with {@link RateLimiter#tryAcquireAsync(String)}, so the event loop
 * never waits for it: a decision that is already made (an in-memory limiter, a Redis limiter's
 * local batch) goes on inline; a pending one (a Redis round trip) resumes on the connection's
 * event loop when it completes, and meanwhile the loop serves its other connections. The key is
 * resolved before the call, while the request's view is valid.
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
    CompletableFuture<RateLimitDecision> answer;
    try {
      answer = limiter.tryAcquireAsync(route.keyResolver().resolve(request.view, request.principal()))
          .toCompletableFuture();
    } catch (RuntimeException e) {
      failed(request, route, e);
      return;
    }
    if (answer.isDone()) {
      RateLimitDecision now;
      try {
        now = answer.getNow(null); // done: no wait
      } catch (RuntimeException e) {
        failed(request, route, e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
        return;
      }
      decide(request, state, now);
      return;
    }
    // Back on the connection's event loop, where the context's state lives.
    answer.whenCompleteAsync((later, error) -> {
      if (error != null || later == null) {
        failed(request, route, error instanceof CompletionException && error.getCause() != null
            ? error.getCause() : error);
      } else {
        decide(request, state, later);
      }
    }, request.eventLoop());
  }

  private static void failed(FilterContext request, Route route, @Nullable Throwable e) {
    LOG.warn("rate limiter of route {} failed for request {}", route.id(), request.requestId(), e);
    request.fail(503, "rate limiter unavailable");
  }

  private static void decide(FilterContext request, RouteState state, @Nullable RateLimitDecision decision) {
    if (decision == null) {
      failed(request, state.route, new NullPointerException("the rate limiter decided null"));
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
