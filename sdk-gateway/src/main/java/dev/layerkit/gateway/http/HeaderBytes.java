package dev.layerkit.gateway.http;

/**
 * Optional white space (RFC 9110: spaces and horizontal tabs) around header values and list
 * elements in raw head bytes, for the scanners of request and response heads. Stateless.
 */
final class HeaderBytes {

  private HeaderBytes() {}

  /** The first index in {@code [from, end)} that is not a space or a tab, or {@code end}. */
  static int skipOws(byte[] bytes, int from, int end) {
    while (from < end && (bytes[from] == ' ' || bytes[from] == '\t')) {
      from++;
    }
    return from;
  }

  /** {@code end}, less the spaces and tabs before it, but not below {@code start}. */
  static int trimOws(byte[] bytes, int start, int end) {
    while (end > start && (bytes[end - 1] == ' ' || bytes[end - 1] == '\t')) {
      end--;
    }
    return end;
  }
}
