package dev.layerkit.gateway.http;

import java.util.regex.Pattern;

/** Path globs and host wildcards. */
final class Globs {

  private Globs() {}

  /**
   * Compiles a path glob: {@code **} matches anything including {@code /}, {@code *} anything
   * but {@code /}, {@code ?} one character but {@code /}; everything else is literal.
   */
  static Pattern toPattern(String glob) {
    StringBuilder regex = new StringBuilder(glob.length() + 16);
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*') {
        if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
          regex.append(".*");
          i++;
        } else {
          regex.append("[^/]*");
        }
      } else if (c == '?') {
        regex.append("[^/]");
      } else if (Character.isISOControl(c) || c == ' ') {
        throw new IllegalArgumentException("glob '" + glob + "' contains whitespace or a control"
            + " character at index " + i);
      } else {
        regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString());
  }

  /** Matches {@code host} against an exact name or a {@code *.suffix} wildcard. */
  static boolean hostMatches(String pattern, String host) {
    if (pattern.startsWith("*.")) {
      String suffix = pattern.substring(1);
      return host.endsWith(suffix) && host.length() > suffix.length();
    }
    return pattern.equals(host);
  }
}
