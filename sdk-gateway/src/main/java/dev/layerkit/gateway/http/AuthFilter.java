package dev.layerkit.gateway.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates the request by the route's {@link Auth}: the principal goes into the context,
 * a failure is answered with the auth's status (401/403) and {@code WWW-Authenticate}, and an
 * auth that throws is a 500. An auth that answers later ({@link Auth#authenticateAsync}, a JWT
 * whose key is being fetched) completes this filter asynchronously.
 */
final class AuthFilter implements GatewayFilter {

  private static final Logger LOG = LoggerFactory.getLogger(AuthFilter.class);

  @Override
  public void filter(FilterContext request) {
    Route route = request.route().route;
    CompletableFuture<AuthResult> answer;
    try {
      answer = route.auth().authenticateAsync(request.view).toCompletableFuture();
    } catch (RuntimeException e) {
      failed(request, route, e);
      return;
    }
    if (answer.isDone()) {
      AuthResult now;
      try {
        now = answer.getNow(null); // done: no wait
      } catch (RuntimeException e) {
        failed(request, route, e);
        return;
      }
      decide(request, now);
      return;
    }
    answer.whenComplete((later, error) -> {
      if (error != null || later == null) {
        failed(request, route, error);
      } else {
        decide(request, later);
      }
    });
  }

  private static void failed(FilterContext request, Route route, @Nullable Throwable e) {
    LOG.warn("auth of route {} failed for request {}", route.id(), request.requestId(), e);
    request.fail(500, "authentication failed unexpectedly");
  }

  /** Goes on or answers; may run on any thread (the context's calls hop to the event loop). */
  private static void decide(FilterContext request, AuthResult auth) {
    if (!auth.authenticated()) {
      FullHttpResponse response = request.error(auth.status(), auth.message());
      String challenge = auth.challenge();
      if (challenge != null) {
        response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, challenge);
      }
      request.respond(response);
      return;
    }
    request.principal(auth.principal());
    request.proceed();
  }
}
