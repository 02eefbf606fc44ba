package dev.layerkit.gateway.http;

import java.util.Map;
import java.util.Objects;

/**
 * Who made a request, as established by an {@link Auth}.
 *
 * @param subject the id of the caller: the API key's id (never the key itself), the JWT {@code
 *     sub} claim, or {@code "anonymous"}
 * @param scheme how the caller was authenticated: {@code "api-key"}, {@code "jwt"} or {@code
 *     "anonymous"}
 * @param claims further facts about the caller (JWT claims; for an API key its {@code groups},
 *     if it is in any), immutable
 */
public record Principal(String subject, String scheme, Map<String, Object> claims) {

  /** The principal of a request on a route without authentication. */
  public static final Principal ANONYMOUS = new Principal("anonymous", "anonymous", Map.of());

  /**
   * Creates a principal.
   *
   * @throws NullPointerException if any argument is null
   */
  public Principal {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(scheme, "scheme");
    claims = Map.copyOf(Objects.requireNonNull(claims, "claims"));
  }
}
