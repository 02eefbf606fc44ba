package dev.layerkit.gateway.http;

/**
 * Authenticates a request from its headers, the first filter a {@link Route} runs.
 *
 * <p>Implementations must be thread-safe and must not block on I/O: they run on the gateway's
 * event loop. They never throw for bad credentials; they return {@link AuthResult#unauthorized}
 * or {@link AuthResult#forbidden}, and the gateway answers with that status, the challenge in
 * {@code WWW-Authenticate} and a small JSON body.
 */
@FunctionalInterface
public interface Auth {

  /**
   * Authenticates a request.
   *
   * @param request the request line and headers
   * @return the principal, or the failure to answer with
   */
  AuthResult authenticate(GatewayRequest request);

  /**
   * Returns an {@code Auth} that lets every request through as {@link Principal#ANONYMOUS}.
   *
   * @return the auth
   */
  static Auth none() {
    return request -> AuthResult.success(Principal.ANONYMOUS);
  }
}
