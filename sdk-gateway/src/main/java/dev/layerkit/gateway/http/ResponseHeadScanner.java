package dev.layerkit.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Scans an HTTP/1.1 response head for the {@link UpstreamResponseReader}, without building a
 * header map: the head's bytes are copied into the {@link UpstreamResponseHead}'s array as they
 * arrive, their lines are found and checked in one pass (resumed where the last read stopped, so
 * a head trickled byte by byte costs no rescans), and each header line's name and value are
 * recorded as offsets. {@link #classify} then reads the status and the three headers that frame
 * the body.
 *
 * <p>What it refuses ({@link BadResponseException}): a NUL or a CR not followed by LF anywhere in
 * the head, a header line without a colon or with an empty name, an invalid or repeated {@code
 * Content-Length}, a status line over {@value UpstreamResponseReader#MAX_STATUS_LINE} bytes or a
 * header section over {@value UpstreamResponseReader#MAX_HEADER_SIZE}. What it leaves to Netty's
 * decoder ({@link Framing#DECODE}): valid but unusual syntax (folded lines, bare LF line ends,
 * white space or other bytes in a name), and responses the pass-through does not cover.
 *
 * <p>Not thread-safe: one per reader.
 */
final class ResponseHeadScanner {

  /** How a scanned head's body is framed, if it can pass as bytes. */
  enum Framing {
    /** No body: HEAD, 204 without framing headers, 304. */
    NONE,
    /** {@code Content-Length} bytes. */
    LENGTH,
    /** {@code Transfer-Encoding: chunked}, alone. */
    CHUNKED,
    /** Anything else: Netty's decoder reads the response. */
    DECODE
  }

  private static final byte CR = '\r';
  private static final byte LF = '\n';
  /**
   * The most bytes a head is looked for in: a longer head breaks one of the two limits (the
   * status line, with its CRLF, and the header section).
   */
  private static final int MAX_HEAD = UpstreamResponseReader.MAX_STATUS_LINE + 2
      + UpstreamResponseReader.MAX_HEADER_SIZE + 1;
  private static final int MAX_STATUS_LINE = UpstreamResponseReader.MAX_STATUS_LINE;
  private static final int MAX_HEADER_SIZE = UpstreamResponseReader.MAX_HEADER_SIZE;
  private static final byte[] HTTP_1_1 = "HTTP/1.1 ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CONTENT_LENGTH = bytes("content-length");
  private static final byte[] TRANSFER_ENCODING = bytes("transfer-encoding");
  private static final byte[] CONNECTION = bytes("connection");
  private static final byte[] CHUNKED = bytes("chunked");
  private static final byte[] CLOSE = bytes("close");
  private static final byte[] KEEP_ALIVE = bytes("keep-alive");
  /** Characters of an RFC 9110 token, indexed by byte value. */
  static final boolean[] TOKEN = new boolean[256];

  static {
    for (int c = '0'; c <= '9'; c++) {
      TOKEN[c] = true;
    }
    for (int c = 'a'; c <= 'z'; c++) {
      TOKEN[c] = true;
      TOKEN[c - 'a' + 'A'] = true;
    }
    for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
      TOKEN[c] = true;
    }
  }

  private final UpstreamResponseHead head = new UpstreamResponseHead();
  /** Bytes of the current head copied into {@code head.bytes}, from the reader index. */
  private int copied;
  /** Where the line end search resumes (inside the line being scanned). */
  private int scanFrom;
  /** The start of the first line not yet parsed. */
  private int lineFrom;
  /** Whether the status line has been scanned (its end is {@code head.statusLineEnd}). */
  private boolean statusLineSeen;
  /** Whether the head has valid but unusual syntax, which Netty's decoder then reads. */
  private boolean unusual;
  private long contentLength;

  /** The head being scanned; its view of the last scanned head until the next scan starts. */
  UpstreamResponseHead head() {
    return head;
  }

  /** Whether a head has begun (its status line is in): a close now cuts a response short. */
  boolean started() {
    return statusLineSeen;
  }

  /** The body's length, after {@link #classify} said {@link Framing#LENGTH}. */
  long contentLength() {
    return contentLength;
  }

  /**
   * Scans what has arrived of the head at {@code in}'s reader index (empty lines before it are
   * skipped, as Netty's decoder does). Returns the head's length once its empty line is in, else
   * -1; consumes nothing else.
   *
   * @throws BadResponseException if the head is malformed or too long
   */
  int scan(ByteBuf in) throws BadResponseException {
    if (copied == 0) {
      head.lineCount = 0; // the last head was delivered: its view may be overwritten
      int index = in.readerIndex();
      int end = in.writerIndex();
      while (index < end && (in.getByte(index) == CR || in.getByte(index) == LF)) {
        index++;
      }
      in.readerIndex(index);
    }
    int length = -1;
    // Copy what may be head in growing steps, not the whole read: a body may follow it.
    int available = Math.min(in.readableBytes(), MAX_HEAD);
    while (length < 0 && copied < available) {
      int target = Math.min(available, Math.max(copied * 2, 512));
      if (head.bytes.length < target) {
        head.bytes = Arrays.copyOf(head.bytes, Math.max(target, head.bytes.length * 2));
      }
      in.getBytes(in.readerIndex() + copied, head.bytes, copied, target - copied);
      copied = target;
      length = scanLines();
    }
    return length;
  }

  /** Whether the scanned head has syntax the pass-through leaves to Netty's decoder. */
  boolean unusual() {
    return unusual;
  }

  /** Forgets the scan, for the next head; the head's view stays until the next scan starts. */
  void reset() {
    copied = 0;
    scanFrom = 0;
    lineFrom = 0;
    statusLineSeen = false;
    unusual = false;
  }

  /**
   * Scans the copied bytes from where the last scan stopped, line by line, into the head's line
   * table. Returns the head's length once its empty line is in, else -1.
   *
   * @throws BadResponseException if the head is malformed or too long
   */
  private int scanLines() throws BadResponseException {
    byte[] bytes = head.bytes;
    int end = copied;
    int i = scanFrom;
    while (i < end) {
      byte b = bytes[i];
      if (b == LF) {
        int lineEnd = i + 1;
        boolean crlf = i > lineFrom && bytes[i - 1] == CR;
        int contentEnd = crlf ? i - 1 : i;
        if (!crlf) {
          unusual = true; // a bare LF ends the line: Netty's decoder takes it
        }
        if (!statusLineSeen) {
          if (contentEnd > MAX_STATUS_LINE) {
            throw new BadResponseException(new TooLongHttpLineException(
                "An HTTP line is larger than " + MAX_STATUS_LINE + " bytes."));
          }
          head.statusLineEnd = lineEnd;
          statusLineSeen = true;
        } else if (contentEnd == lineFrom) {
          head.length = lineEnd;
          return lineEnd;
        } else {
          headerLine(lineFrom, contentEnd, lineEnd);
        }
        lineFrom = lineEnd;
        i = lineEnd;
        continue;
      }
      if (b == 0) {
        throw new BadResponseException("NUL in the response head");
      }
      if (b == CR && i + 1 < end && bytes[i + 1] != LF) {
        throw new BadResponseException("CR not followed by LF in the response head");
      }
      i++;
    }
    // The last line is incomplete: resume at its last byte (a CR whose LF may come next).
    scanFrom = Math.max(lineFrom, end - 1);
    if (!statusLineSeen) {
      if (end - lineFrom > MAX_STATUS_LINE) {
        throw new BadResponseException(new TooLongHttpLineException(
            "An HTTP line is larger than " + MAX_STATUS_LINE + " bytes."));
      }
    } else if (end - head.statusLineEnd > MAX_HEADER_SIZE) {
      throw new BadResponseException(new TooLongHttpHeaderException(
          "HTTP header is larger than " + MAX_HEADER_SIZE + " bytes."));
    }
    return -1;
  }

  /** Records a header line {@code [start, contentEnd)}, CRLF excluded. */
  private void headerLine(int start, int contentEnd, int lineEnd) throws BadResponseException {
    if (lineEnd - head.statusLineEnd > MAX_HEADER_SIZE) {
      throw new BadResponseException(new TooLongHttpHeaderException(
          "HTTP header is larger than " + MAX_HEADER_SIZE + " bytes."));
    }
    byte[] bytes = head.bytes;
    byte first = bytes[start];
    if (first == ' ' || first == '\t') {
      unusual = true; // obs-fold: the decoder joins it to the previous value
      return;
    }
    int colon = start;
    while (colon < contentEnd && TOKEN[bytes[colon] & 0xff]) {
      colon++;
    }
    if (colon == contentEnd || bytes[colon] != ':') {
      int search = colon;
      while (search < contentEnd && bytes[search] != ':') {
        search++;
      }
      if (search == contentEnd) {
        throw new BadResponseException("header line without a colon");
      }
      unusual = true; // white space or other bytes in the name: the decoder tidies it
      return;
    }
    if (colon == start) {
      throw new BadResponseException("header line with an empty name");
    }
    int valueStart = HeaderBytes.skipOws(bytes, colon + 1, contentEnd);
    int valueEnd = HeaderBytes.trimOws(bytes, valueStart, contentEnd);
    head.addLine(start, colon, valueStart, valueEnd, lineEnd);
  }

  /**
   * Reads the status and the framing headers of a scanned head and returns how the body passes
   * ({@link #contentLength} for {@link Framing#LENGTH}).
   *
   * @param headRequest whether the response answers a HEAD request
   * @param connectRequest whether it answers a CONNECT request
   * @throws BadResponseException if the framing headers are invalid
   */
  Framing classify(boolean headRequest, boolean connectRequest) throws BadResponseException {
    byte[] bytes = head.bytes;
    int statusEnd = head.statusLineEnd;
    int lineEnd = statusEnd - (bytes[statusEnd - 2] == CR ? 2 : 1);
    if (lineEnd < 12 || !Arrays.equals(bytes, 0, 9, HTTP_1_1, 0, 9) || !digit(bytes[9])
        || !digit(bytes[10]) || !digit(bytes[11]) || (lineEnd > 12 && bytes[12] != ' ')) {
      return Framing.DECODE; // HTTP/1.0, or something the decoder judges
    }
    int code = (bytes[9] - '0') * 100 + (bytes[10] - '0') * 10 + (bytes[11] - '0');
    head.status = code;
    long contentLength = -1;
    int transferEncodings = 0;
    boolean chunked = false;
    boolean close = false;
    boolean namesHeaders = false;
    for (int line = 0; line < head.lineCount; line++) {
      int nameLength = head.nameEnd(line) - head.lineStart(line);
      if (nameLength == CONTENT_LENGTH.length && head.nameIs(line, CONTENT_LENGTH)) {
        if (contentLength >= 0) {
          throw new BadResponseException("more than one Content-Length");
        }
        contentLength = contentLength(line);
      } else if (nameLength == TRANSFER_ENCODING.length && head.nameIs(line, TRANSFER_ENCODING)) {
        transferEncodings++;
        chunked = valueIs(line, CHUNKED);
      } else if (nameLength == CONNECTION.length && head.nameIs(line, CONNECTION)) {
        int from = head.valueStart(line);
        int end = head.valueEnd(line);
        while (from < end) {
          int comma = from;
          while (comma < end && bytes[comma] != ',') {
            comma++;
          }
          int tokenEnd = comma;
          while (from < tokenEnd && (bytes[from] == ' ' || bytes[from] == '\t')) {
            from++;
          }
          while (tokenEnd > from && (bytes[tokenEnd - 1] == ' ' || bytes[tokenEnd - 1] == '\t')) {
            tokenEnd--;
          }
          if (isToken(bytes, from, tokenEnd, CLOSE)) {
            close = true;
          } else if (tokenEnd > from && !isToken(bytes, from, tokenEnd, KEEP_ALIVE)) {
            namesHeaders = true;
            if (isToken(bytes, from, tokenEnd, CONTENT_LENGTH)) {
              return Framing.DECODE; // the decoder's hop-by-hop rule removes the framing
            }
          }
          from = comma + 1;
        }
      }
    }
    head.keepAlive = !close;
    head.connectionNamesHeaders = namesHeaders;
    if (code < 200 || code == 101 || code == 205) {
      return Framing.DECODE; // interim, upgrade, or a status the encoder rewrites
    }
    if (connectRequest) {
      return Framing.DECODE;
    }
    boolean framed = contentLength >= 0 || transferEncodings > 0;
    if (code == 204) {
      // The client's encoder drops framing headers from a 204; only a 204 without any passes.
      return framed ? Framing.DECODE : Framing.NONE;
    }
    if (headRequest || code == 304) {
      return Framing.NONE;
    }
    if (transferEncodings > 0) {
      // chunked alone passes; other codings, or with Content-Length, are the decoder's to judge
      return transferEncodings == 1 && chunked && contentLength < 0 ? Framing.CHUNKED
          : Framing.DECODE;
    }
    if (contentLength >= 0) {
      this.contentLength = contentLength;
      return Framing.LENGTH;
    }
    return Framing.DECODE; // delimited by the connection's close
  }

  private long contentLength(int line) throws BadResponseException {
    byte[] bytes = head.bytes;
    int from = head.valueStart(line);
    int end = head.valueEnd(line);
    if (from == end || end - from > 18) {
      throw new BadResponseException("invalid Content-Length");
    }
    long value = 0;
    for (int i = from; i < end; i++) {
      if (!digit(bytes[i])) {
        throw new BadResponseException("invalid Content-Length");
      }
      value = value * 10 + (bytes[i] - '0');
    }
    return value;
  }

  private boolean valueIs(int line, byte[] lowerCase) {
    return isToken(head.bytes, head.valueStart(line), head.valueEnd(line), lowerCase);
  }

  private static boolean isToken(byte[] bytes, int from, int to, byte[] lowerCase) {
    return to - from == lowerCase.length
        && UpstreamResponseHead.regionEqualsIgnoreCase(bytes, from, lowerCase, 0, lowerCase.length);
  }

  private static boolean digit(byte b) {
    return b >= '0' && b <= '9';
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
