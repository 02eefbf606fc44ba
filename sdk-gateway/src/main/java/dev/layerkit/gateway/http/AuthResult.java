package dev.layerkit.gateway.http;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of an {@link Auth}: a {@link Principal}, or the answer the gateway sends instead of
 * forwarding (401 with a {@code WWW-Authenticate} challenge, or 403).
 *
 * <p>Immutable and thread-safe.
 */
public final class AuthResult {

  private final @Nullable Principal principal;
  private final int status;
  private final @Nullable String challenge;
  private final String message;

  private AuthResult(@Nullable Principal principal, int status, @Nullable String challenge,
      String message) {
    this.principal = principal;
    this.status = status;
    this.challenge = challenge;
    this.message = message;
  }

  /**
   * Returns a success.
   *
   * @param principal who the caller is
   * @return the result
   */
  public static AuthResult success(Principal principal) {
    return new AuthResult(Objects.requireNonNull(principal, "principal"), 200, null, "");
  }

  /**
   * Returns a 401: no or invalid credentials.
   *
   * @param challenge the {@code WWW-Authenticate} value, for example {@code Bearer
   *     error="invalid_token"}
   * @param message a short reason for the error body; must not echo a secret
   * @return the result
   */
  public static AuthResult unauthorized(String challenge, String message) {
    return new AuthResult(null, 401, Objects.requireNonNull(challenge, "challenge"),
        Objects.requireNonNull(message, "message"));
  }

  /**
   * Returns a 403: valid credentials that may not use this route.
   *
   * @param challenge the {@code WWW-Authenticate} value, for example {@code Bearer
   *     error="insufficient_scope"}
   * @param message a short reason for the error body; must not echo a secret
   * @return the result
   */
  public static AuthResult forbidden(String challenge, String message) {
    return new AuthResult(null, 403, Objects.requireNonNull(challenge, "challenge"),
        Objects.requireNonNull(message, "message"));
  }

  /**
   * Returns whether the caller was authenticated.
   *
   * @return true if {@link #principal()} is present
   */
  public boolean authenticated() {
    return principal != null;
  }

  /**
   * Returns the principal.
   *
   * @return the principal
   * @throws IllegalStateException if the result is a failure
   */
  public Principal principal() {
    if (principal == null) {
      throw new IllegalStateException("not authenticated: " + status + " " + message);
    }
    return principal;
  }

  /**
   * Returns the HTTP status to answer with: 401 or 403 for a failure, 200 for a success.
   *
   * @return the status
   */
  public int status() {
    return status;
  }

  /**
   * Returns the {@code WWW-Authenticate} value of a failure.
   *
   * @return the challenge, or {@code null} for a success
   */
  public @Nullable String challenge() {
    return challenge;
  }

  /**
   * Returns the reason of a failure, for the error body.
   *
   * @return the reason, empty for a success
   */
  public String message() {
    return message;
  }

  @Override
  public String toString() {
    return principal != null ? "AuthResult[" + principal.scheme() + ":" + principal.subject() + "]"
        : "AuthResult[" + status + " " + message + "]";
  }
}
