package dev.layerkit.gateway.http;

import java.util.concurrent.ThreadLocalRandom;

/** Which client-sent {@code X-Request-Id} values the gateway keeps. */
final class RequestIds {

  /** Longer ids are replaced: they would bloat logs and every upstream request. */
  static final int MAX_LENGTH = 128;

  private RequestIds() {}

  /**
   * Returns whether an id is safe to forward and log: 1 to {@value #MAX_LENGTH} characters of
   * letters, digits and {@code -_.:}, so that a client cannot inject log lines or headers.
   */
  static boolean isValid(CharSequence id) {
    int length = id.length();
    if (length == 0 || length > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = id.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_' || c == '.' || c == ':';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Generates an id: 32 hex digits from a thread-local random, without locks. */
  static String generate() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return hex(random.nextLong()) + hex(random.nextLong());
  }

  private static String hex(long value) {
    String text = Long.toHexString(value);
    return text.length() == 16 ? text : "0".repeat(16 - text.length()) + text;
  }
}
