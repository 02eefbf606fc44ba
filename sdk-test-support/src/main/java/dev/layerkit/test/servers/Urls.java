package dev.layerkit.test.servers;

import java.util.regex.Pattern;

/**
 * Removes passwords from server URLs before they go into messages, logs and test reports.
 *
 * <p>Stateless and thread-safe.
 */
final class Urls {

  // The password of user:password@ in an authority; a lone password@ (Lettuce's redis://secret@host);
  // and a password= query parameter (JDBC).
  private static final Pattern USER_INFO_PASSWORD = Pattern.compile("(://[^/@:]*:)[^/@]*@");
  private static final Pattern USER_INFO_ALONE = Pattern.compile("://[^/@:]+@");
  private static final Pattern QUERY_PASSWORD = Pattern.compile("(?i)([?&]password=)[^&]*");

  private Urls() {}

  /**
   * Returns {@code url} with every password replaced by {@code ***}.
   *
   * @param url a URL such as {@code redis://:secret@host:6379} or {@code
   *     jdbc:postgresql://host/db?user=app&password=secret}
   * @return the URL without passwords
   */
  static String withoutPasswords(String url) {
    String masked = USER_INFO_PASSWORD.matcher(url).replaceAll("$1***@");
    masked = USER_INFO_ALONE.matcher(masked).replaceAll("://***@");
    return QUERY_PASSWORD.matcher(masked).replaceAll("$1***");
  }
}
