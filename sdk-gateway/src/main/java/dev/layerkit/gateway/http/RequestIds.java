package dev.layerkit.gateway.http;

import java.nio.charset.StandardCharsets;
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

  private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  /**
   * Generates an id: 32 hex digits from a thread-local random, without locks. The digits are
   * written into one array (one string made, not two hex strings and their concatenation): this
   * runs for every request that comes without an id.
   */
  static String generate() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    byte[] digits = new byte[32];
    putHex(digits, 0, random.nextLong());
    putHex(digits, 16, random.nextLong());
    return new String(digits, StandardCharsets.ISO_8859_1);
  }

  private static void putHex(byte[] out, int offset, long value) {
    long rest = value;
    for (int i = offset + 15; i >= offset; i--) {
      out[i] = HEX_DIGITS[(int) (rest & 0xF)];
      rest >>>= 4;
    }
  }
}
