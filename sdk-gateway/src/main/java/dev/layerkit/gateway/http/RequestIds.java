package dev.layerkit.gateway.http;

import io.netty.util.concurrent.FastThreadLocal;
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

  /** Each thread's array the digits of an id are written into before its string copies them. */
  private static final FastThreadLocal<byte[]> DIGITS = new FastThreadLocal<>() {
    @Override
    protected byte[] initialValue() {
      return new byte[32];
    }
  };

  /**
   * Generates an id: 32 hex digits from a thread-local random, without locks. The digits are
   * written into one reused array and copied once, into the string: this runs for every request
   * that comes without an id, and the string is all it allocates.
   */
  static String generate() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    byte[] digits = DIGITS.get();
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
