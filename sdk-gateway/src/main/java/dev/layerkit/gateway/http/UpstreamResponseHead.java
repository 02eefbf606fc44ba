package dev.layerkit.gateway.http;

/**
 * The head of an HTTP/1.1 response that the {@link UpstreamResponseReader} passes through as
 * bytes: its status, whether the upstream keeps the connection, the head's bytes exactly as they
 * came (status line, header lines, the empty line) and where each header line's name and value
 * lie in them, so that {@link ResponseHeadWriter} can copy the lines the client gets and skip the
 * others without building a header map.
 *
 * <p>A view of the reader's own arrays, one per reader and reused for every response: it is valid
 * while it is delivered ({@code channelRead}) and must not be kept, because the reader overwrites
 * it with the next response's head. It holds no buffer, so dropping it needs no release. Not
 * thread-safe: it lives on the upstream connection's event loop.
 */
final class UpstreamResponseHead {

  /** Ints per line in {@link #lines}: line start, name end, value start, value end, line end. */
  static final int LINE_FIELDS = 5;

  /** The head's bytes from index 0; the reader's scratch array, longer than the head. */
  byte[] bytes = new byte[512];
  /** The line table: {@link #LINE_FIELDS} ints per header line, offsets into {@link #bytes}. */
  int[] lines = new int[32 * LINE_FIELDS];
  int lineCount;
  /** The end of the status line, after its CRLF. */
  int statusLineEnd;
  /** The head's length, up to and including the empty line's CRLF. */
  int length;
  int status;
  boolean keepAlive;
  /**
   * Whether a {@code Connection} line names headers other than {@code close} and {@code
   * keep-alive}, which are then hop-by-hop too.
   */
  boolean connectionNamesHeaders;

  int status() {
    return status;
  }

  /** Whether the upstream keeps the connection open after this response (no {@code close}). */
  boolean keepAlive() {
    return keepAlive;
  }

  int lineCount() {
    return lineCount;
  }

  int lineStart(int line) {
    return lines[line * LINE_FIELDS];
  }

  int nameEnd(int line) {
    return lines[line * LINE_FIELDS + 1];
  }

  int valueStart(int line) {
    return lines[line * LINE_FIELDS + 2];
  }

  /** The end of the value, trailing white space excluded. */
  int valueEnd(int line) {
    return lines[line * LINE_FIELDS + 3];
  }

  /** The end of the line, after its CRLF. */
  int lineEnd(int line) {
    return lines[line * LINE_FIELDS + 4];
  }

  /** Whether the line's name is {@code lowerCaseName}, compared ignoring ASCII case. */
  boolean nameIs(int line, byte[] lowerCaseName) {
    int start = lineStart(line);
    return nameEnd(line) - start == lowerCaseName.length
        && regionEqualsIgnoreCase(bytes, start, lowerCaseName, 0, lowerCaseName.length);
  }

  /** Whether the line's name is {@code name}, compared ignoring ASCII case. */
  boolean nameIs(int line, String name) {
    int start = lineStart(line);
    int length = nameEnd(line) - start;
    if (length != name.length()) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (lower(bytes[start + i]) != lower(name.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code a[aStart..]} equals {@code lower[lowerStart..]} (lower case) ignoring case. */
  static boolean regionEqualsIgnoreCase(byte[] a, int aStart, byte[] lower, int lowerStart,
      int length) {
    for (int i = 0; i < length; i++) {
      if (lower(a[aStart + i]) != lower[lowerStart + i]) {
        return false;
      }
    }
    return true;
  }

  static int lower(int c) {
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
  }

  /** Grows the line table to hold one more line. */
  void ensureLineCapacity() {
    if ((lineCount + 1) * LINE_FIELDS > lines.length) {
      lines = java.util.Arrays.copyOf(lines, lines.length * 2);
    }
  }

  void addLine(int start, int nameEnd, int valueStart, int valueEnd, int end) {
    ensureLineCapacity();
    int at = lineCount * LINE_FIELDS;
    lines[at] = start;
    lines[at + 1] = nameEnd;
    lines[at + 2] = valueStart;
    lines[at + 3] = valueEnd;
    lines[at + 4] = end;
    lineCount++;
  }
}
