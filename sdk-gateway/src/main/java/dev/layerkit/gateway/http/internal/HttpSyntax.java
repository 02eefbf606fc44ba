package dev.layerkit.gateway.http.internal;

import java.util.Objects;

/**
 * Small checks and parsers of HTTP syntax shared by the filters: header names, quoted-string
 * parameters and authorization schemes.
 *
 * <p>Stateless and thread-safe.
 */
public final class HttpSyntax {

  private HttpSyntax() {}

  /**
   * Returns whether a string is an RFC 9110 {@code token}, as a header name or an auth scheme
   * must be.
   *
   * @param value the string
   * @return true if non-empty and made only of token characters
   */
  public static boolean isToken(String value) {
    if (value.isEmpty()) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /**
   * Checks a realm for a {@code WWW-Authenticate} challenge.
   *
   * @param realm the realm
   * @return the realm
   * @throws NullPointerException if {@code realm} is null
   * @throws IllegalArgumentException if it is empty or not {@linkplain #isQuotable quotable}
   */
  public static String requireRealm(String realm) {
    Objects.requireNonNull(realm, "realm");
    if (realm.isEmpty() || !isQuotable(realm)) {
      throw new IllegalArgumentException(
          "realm must be printable ASCII without '\"' and '\\' but was '" + realm + "'");
    }
    return realm;
  }

  /**
   * Returns whether a string can be put between double quotes in a header parameter without
   * escaping: printable ASCII (and space) without {@code "} and {@code \}.
   *
   * @param value the string
   * @return true if it is safe to quote as is
   */
  public static boolean isQuotable(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  /**
   * Returns the credentials of an {@code Authorization} value if its scheme is {@code scheme}
   * (compared case-insensitively, as RFC 9110 says), for example the token of {@code Bearer abc}.
   *
   * @param authorization the header value
   * @param scheme the expected scheme, a token
   * @return the credentials without surrounding white space, or {@code null} if the scheme
   *     differs or the credentials are empty
   */
  public static @org.jspecify.annotations.Nullable String credentials(
      String authorization, String scheme) {
    int length = scheme.length();
    if (authorization.length() <= length
        || !authorization.regionMatches(true, 0, scheme, 0, length)
        || (authorization.charAt(length) != ' ' && authorization.charAt(length) != '\t')) {
      return null;
    }
    String credentials = authorization.substring(length + 1).trim();
    return credentials.isEmpty() ? null : credentials;
  }
}
