package dev.layerkit.gateway.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;

/**
 * Checks the authenticated principal against the route's {@link Authorization}: a caller whose
 * credentials lack a scope, role or group is answered 403 with {@code error="insufficient_scope"}
 * in {@code WWW-Authenticate}. Runs right after {@link AuthFilter}, before any budget is spent.
 */
final class AuthorizationFilter implements GatewayFilter {

  @Override
  public void filter(FilterContext request) {
    Authorization authorization = request.route().route.authorization();
    if (authorization == null) {
      request.proceed();
      return;
    }
    AuthResult result = authorization.check(request.principal());
    if (result.authenticated()) {
      request.proceed();
      return;
    }
    request.route().forbidden.increment();
    FullHttpResponse response = request.error(result.status(), result.message());
    String challenge = result.challenge();
    if (challenge != null) {
      response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, challenge);
    }
    request.respond(response);
  }
}
