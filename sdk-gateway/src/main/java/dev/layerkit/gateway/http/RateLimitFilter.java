package dev.layerkit.gateway.http;

import dev.layerkit.gateway.ratelimit.RateLimitDecision;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;
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
 * event loop when it completes, and meanwhile the loop serves its other connections. Decisions
 * that complete together (a Redis limiter's reply decides a batch of them) resume on each loop
 * in one task ({@link EventLoopInbox}); one completed on the connection's own loop resumes at once. The key is
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
    // Back on the connection's event loop, where the context's state lives: through the loop's
    // inbox, which resumes every decision completed meanwhile in one task, or at once when the
    // thread that completes it is that loop.
    answer.whenComplete(new Resumption(request, state, EventLoopInbox.of(request.eventLoop())));
  }

  /**
   * A pending decision's way back to its request: takes the outcome on the thread that completes
   * it and posts itself to the request's event loop, where it decides.
   */
  private static final class Resumption implements BiConsumer<RateLimitDecision, Throwable>, Runnable {
    private final FilterContext request;
    private final RouteState state;
    private final EventLoopInbox inbox;
    // Written before the post, which publishes them to the loop (the inbox's lock or its task).
    private @Nullable RateLimitDecision decision;
    private @Nullable Throwable error;

    Resumption(FilterContext request, RouteState state, EventLoopInbox inbox) {
      this.request = request;
      this.state = state;
      this.inbox = inbox;
    }

    @Override
    public void accept(@Nullable RateLimitDecision later, @Nullable Throwable failure) {
      this.decision = later;
      this.error = failure;
      inbox.post(this);
    }

    @Override
    public void run() {
      Throwable failure = error;
      RateLimitDecision later = decision;
      if (failure != null || later == null) {
        failed(request, state.route, failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause() : failure);
      } else {
        decide(request, state, later);
      }
    }
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
