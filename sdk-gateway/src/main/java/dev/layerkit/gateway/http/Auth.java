package dev.layerkit.gateway.http;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Authenticates a request from its headers, the first filter a {@link Route} runs after CORS preflights.
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
   * Authenticates a request, perhaps completing later: what the gateway calls. The default
   * answers {@link #authenticate} at once.
   *
   * <p>An auth that must wait for something (a {@link JwtAuth} whose key is not fetched yet from
   * its JWKS URL) reads what it needs from {@code request} before it returns, since the view is
   * valid only until then, and completes the stage from another thread; the gateway then goes on
   * with the request on its event loop. This method itself runs on the event loop and must not
   * block.
   *
   * @param request the request line and headers, valid until this method returns
   * @return the principal or the failure, now or later; a stage that completes exceptionally is
   *     answered 500
   */
  default CompletionStage<AuthResult> authenticateAsync(GatewayRequest request) {
    return CompletableFuture.completedFuture(authenticate(request));
  }

  /**
   * Returns an {@code Auth} that lets every request through as {@link Principal#ANONYMOUS}.
   *
   * @return the auth
   */
  static Auth none() {
    return request -> AuthResult.success(Principal.ANONYMOUS);
  }

  /**
   * Returns a builder of an {@link ApiKeyAuth}: API keys stored as SHA-256 hashes, read from
   * {@code X-API-Key} or {@code Authorization: ApiKey <key>} and compared in constant time.
   *
   * @return a new builder
   */
  static ApiKeyAuth.Builder apiKeys() {
    return ApiKeyAuth.builder();
  }

  /**
   * Returns a builder of a {@link JwtAuth}: signed JWTs from {@code Authorization: Bearer},
   * HS256, RS256 or ES256 on an algorithm allow-list, with {@code iss}, {@code aud}, {@code exp}
   * and {@code nbf} checked. Needs {@code com.nimbusds:nimbus-jose-jwt} on the class path.
   *
   * @return a new builder
   */
  static JwtAuth.Builder jwt() {
    return JwtAuth.builder();
  }

  /**
   * Returns a builder of a {@link ClientCertificateAuth}: authenticates by the subject of the
   * client certificate verified in the TLS handshake (mutual TLS, {@link Tls.Builder#clientAuth}).
   *
   * @return a new builder
   */
  static ClientCertificateAuth.Builder clientCertificate() {
    return ClientCertificateAuth.builder();
  }

  /**
   * Returns an {@code Auth} that tries each of {@code auths} in order and lets the first that
   * authenticates the request win, for routes that take an API key or a JWT.
   *
   * <p>When all of them fail, the answer is the <em>first</em> one's failure (its status,
   * challenge and message); the later ones' failures are dropped. Put the scheme that clients
   * should be told about first.
   *
   * @param auths the alternatives, at least one
   * @return the combined auth, thread-safe if each alternative is
   * @throws NullPointerException if {@code auths} or one of its elements is null
   * @throws IllegalArgumentException if {@code auths} is empty
   */
  static Auth anyOf(Auth... auths) {
    return AnyOfAuth.of(auths);
  }
}
