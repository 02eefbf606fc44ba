package dev.layerkit.gateway.http;

/** Path prefix matching on segment boundaries. */
final class Paths {

  private Paths() {}

  /**
   * Returns whether {@code path} is {@code prefix} or continues it with {@code /} or {@code ?}:
   * {@code /api} is a prefix of {@code /api/x} and {@code /api?q}, not of {@code /apix}.
   */
  static boolean hasPrefix(String path, String prefix) {
    if (prefix.equals("/")) {
      return true;
    }
    if (!path.startsWith(prefix)) {
      return false;
    }
    if (path.length() == prefix.length()) {
      return true;
    }
    char next = path.charAt(prefix.length());
    return next == '/' || next == '?';
  }

  /** Returns the path of a request target: everything before its query ({@code ?}) or fragment. */
  static String pathOf(String uri) {
    int end = uri.indexOf('?');
    int hash = uri.indexOf('#');
    if (hash >= 0 && (end < 0 || hash < end)) {
      end = hash;
    }
    return end < 0 ? uri : uri.substring(0, end);
  }
}
