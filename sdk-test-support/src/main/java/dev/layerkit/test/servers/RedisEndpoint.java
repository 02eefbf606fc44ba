package dev.layerkit.test.servers;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Where a Redis server is and how to log in, parsed from a {@code redis://} or {@code rediss://}
 * URI in Lettuce's form: {@code redis://[[user:]password@]host[:port][/database]}.
 *
 * @param host the host
 * @param port the port, 6379 when the URI has none
 * @param user the ACL user, or null for the default user
 * @param password the password, or null when the server needs none
 * @param database the database index, 0 when the URI has none
 * @param tls whether the URI asks for TLS ({@code rediss://})
 */
record RedisEndpoint(
    String host,
    int port,
    @Nullable String user,
    @Nullable String password,
    int database,
    boolean tls) {

  private static final int DEFAULT_PORT = 6379;

  /**
   * Parses a Redis URI.
   *
   * @param uri the URI, e.g. {@code redis://:secret@cache.local:6380/2}
   * @return the endpoint
   * @throws IllegalArgumentException if {@code uri} is not a {@code redis://} or {@code rediss://}
   *     URI with a host, or its database is not a number; the message quotes it without password
   */
  static RedisEndpoint parse(String uri) {
    String printable = Urls.withoutPasswords(uri);
    URI parsed;
    try {
      parsed = new URI(uri);
    } catch (URISyntaxException e) {
      // The reason, not the message: the message repeats the input, password and all.
      throw new IllegalArgumentException(
          "not a Redis URI: '" + printable + "' (" + e.getReason() + " at index " + e.getIndex() + ")");
    }
    String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("redis") && !scheme.equals("rediss")) {
      throw new IllegalArgumentException(
          "Redis URI must start with redis:// or rediss:// but was '" + printable + "'");
    }
    if (parsed.getHost() == null) {
      throw new IllegalArgumentException("Redis URI has no host: '" + printable + "'");
    }
    String user = null;
    String password = null;
    String userInfo = parsed.getUserInfo();
    if (userInfo != null && !userInfo.isEmpty()) {
      int colon = userInfo.indexOf(':');
      if (colon < 0) {
        password = userInfo;
      } else {
        user = colon == 0 ? null : userInfo.substring(0, colon);
        password = userInfo.substring(colon + 1);
      }
    }
    int database = 0;
    String path = parsed.getPath();
    if (path != null && path.length() > 1) {
      try {
        database = Integer.parseInt(path.substring(1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("Redis URI database must be a number but was '"
            + path.substring(1) + "' in '" + printable + "'", e);
      }
    }
    int port = parsed.getPort() == -1 ? DEFAULT_PORT : parsed.getPort();
    return new RedisEndpoint(
        parsed.getHost(), port, user, password, database, scheme.equals("rediss"));
  }

  @Override
  public String toString() {
    // Never the password: this lands in logs and test reports.
    return (tls ? "rediss://" : "redis://") + host + ':' + port
        + (database == 0 ? "" : "/" + database);
  }
}
