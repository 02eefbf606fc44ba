package dev.layerkit.gateway.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates the request by the route's {@link Auth}: the principal goes into the context,
 * a failure is answered with the auth's status (401/403) and {@code WWW-Authenticate}, and an
 * auth that throws is a 500.
 */
final class AuthFilter implements GatewayFilter {

  private static final Logger LOG = LoggerFactory.getLogger(AuthFilter.class);

  @Override
  public void filter(FilterContext request) {
    Route route = request.route().route;
    AuthResult auth;
    try {
      auth = route.auth().authenticate(request.view);
    } catch (RuntimeException e) {
      LOG.warn("auth of route {} failed for request {}", route.id(), request.requestId(), e);
      request.fail(500, "authentication failed unexpectedly");
      return;
    }
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
