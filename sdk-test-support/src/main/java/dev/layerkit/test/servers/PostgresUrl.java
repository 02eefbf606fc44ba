package dev.layerkit.test.servers;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A PostgreSQL JDBC URL taken apart: the address and database, the login, and the other
 * parameters.
 *
 * <p>{@code LAYERKIT_TEST_POSTGRES} may carry the login in the query ({@code ?user=..&password=..});
 * the handle exposes it as {@code user()} and {@code password()} and keeps it out of {@link
 * #jdbcUrl()}, so the URL can be logged and a schema parameter added without repeating secrets.
 * Immutable and thread-safe.
 */
final class PostgresUrl {

  private static final String PREFIX = "jdbc:postgresql:";

  private final String base;
  private final Map<String, String> parameters;
  private final @Nullable String user;
  private final @Nullable String password;

  private PostgresUrl(
      String base, Map<String, String> parameters, @Nullable String user, @Nullable String password) {
    this.base = base;
    this.parameters = parameters;
    this.user = user;
    this.password = password;
  }

  /**
   * Parses a JDBC URL.
   *
   * @param url e.g. {@code jdbc:postgresql://db:5432/test?user=app&password=secret&ssl=true}
   * @return the parts
   * @throws IllegalArgumentException if {@code url} does not start with {@code jdbc:postgresql:};
   *     the message quotes it without its query, which may hold a password
   */
  static PostgresUrl parse(String url) {
    Objects.requireNonNull(url, "url");
    int question = url.indexOf('?');
    String base = question < 0 ? url : url.substring(0, question);
    if (!base.startsWith(PREFIX)) {
      throw new IllegalArgumentException(
          "PostgreSQL URL must start with " + PREFIX + " but was '" + base + "'");
    }
    Map<String, String> parameters = new LinkedHashMap<>();
    if (question >= 0) {
      for (String pair : url.substring(question + 1).split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int equals = pair.indexOf('=');
        String name = decode(equals < 0 ? pair : pair.substring(0, equals));
        String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
        parameters.put(name, value);
      }
    }
    String user = parameters.remove("user");
    String password = parameters.remove("password");
    // Kept in the given order, so the URL reads as the user wrote it.
    return new PostgresUrl(base, Collections.unmodifiableMap(parameters), user, password);
  }

  /**
   * Returns the URL without the login, e.g. {@code jdbc:postgresql://db:5432/test?ssl=true}.
   *
   * @return the URL
   */
  String jdbcUrl() {
    return withParameters(parameters);
  }

  /**
   * Returns the URL without the login and with {@code currentSchema} set, replacing any there.
   *
   * @param schema the schema, an unquoted identifier
   * @return the URL
   */
  String jdbcUrlWithSchema(String schema) {
    Map<String, String> withSchema = new LinkedHashMap<>(parameters);
    withSchema.put("currentSchema", schema);
    return withParameters(withSchema);
  }

  /** Returns the user in the URL's query, or null when it has none. */
  @Nullable String user() {
    return user;
  }

  /** Returns the password in the URL's query, or null when it has none. */
  @Nullable String password() {
    return password;
  }

  private String withParameters(Map<String, String> values) {
    if (values.isEmpty()) {
      return base;
    }
    StringBuilder url = new StringBuilder(base);
    char separator = '?';
    for (Map.Entry<String, String> entry : values.entrySet()) {
      url.append(separator).append(encode(entry.getKey())).append('=').append(encode(entry.getValue()));
      separator = '&';
    }
    return url.toString();
  }

  private static String decode(String text) {
    return URLDecoder.decode(text, StandardCharsets.UTF_8);
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return jdbcUrl();
  }
}
