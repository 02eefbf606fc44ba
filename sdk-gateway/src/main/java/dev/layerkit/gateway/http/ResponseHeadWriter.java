package dev.layerkit.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes the head a client gets for a response passed through as bytes: the upstream's status
 * line and header lines, copied in runs, less the lines the gateway must not forward, plus the
 * lines it adds. The result is the head the decoded path ({@link Exchange}'s {@code
 * onResponseHead} on an {@code HttpResponse}) gives for the same response, modulo the order and
 * case of header lines:
 *
 * <ul>
 *   <li>dropped: the hop-by-hop lines ({@link HopByHop}: {@code Connection} and the names its
 *       values list, {@code Keep-Alive}, {@code Proxy-Connection}, {@code TE}, {@code Trailer},
 *       {@code Upgrade}, {@code Proxy-Authenticate}, {@code Proxy-Authorization}) and the
 *       upstream's {@code X-Request-Id};</li>
 *   <li>then the route's response {@link HeaderRewrite} (remove, set, add), the gateway's {@code
 *       X-Request-Id}, the exchange's extra headers (set, except {@code Set-Cookie} and {@code
 *       Vary}, which are added beside the upstream's), and {@code Connection: close} when the
 *       client connection closes after this response.</li>
 * </ul>
 *
 * <p>Without a rewrite or extra headers (the common case) this allocates only the output buffer.
 * Stateless and thread-safe.
 */
final class ResponseHeadWriter {

  private static final byte[][] DROPPED = {
      bytes("connection"), bytes("keep-alive"), bytes("proxy-connection"), bytes("te"),
      bytes("trailer"), bytes("upgrade"), bytes("proxy-authenticate"),
      bytes("proxy-authorization"), bytes("x-request-id")};
  private static final byte[] CONNECTION = bytes("connection");
  private static final byte[] CLOSE = bytes("close");
  private static final byte[] KEEP_ALIVE = bytes("keep-alive");
  private static final byte[] TRANSFER_ENCODING = bytes("transfer-encoding");
  /** Not a response header; Netty's HTTP/2 conversion drops it too. */
  private static final byte[] HOST = bytes("host");
  private static final byte[] REQUEST_ID_PREFIX =
      (ErrorResponses.REQUEST_ID + ": ").getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CONNECTION_CLOSE = bytes("connection: close\r\n");
  private static final short CRLF = ('\r' << 8) | '\n';
  private static final AsciiString REQUEST_ID_NAME = AsciiString.cached("x-request-id");
  /** Names most responses carry, lower case (their arrays hold exactly their bytes). */
  private static final AsciiString[] COMMON_NAMES = {
      HttpHeaderNames.CONTENT_TYPE, HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.DATE,
      HttpHeaderNames.SERVER, HttpHeaderNames.CACHE_CONTROL, HttpHeaderNames.ETAG,
      HttpHeaderNames.LAST_MODIFIED, HttpHeaderNames.VARY, HttpHeaderNames.SET_COOKIE,
      HttpHeaderNames.LOCATION, HttpHeaderNames.CONTENT_ENCODING, HttpHeaderNames.EXPIRES,
      HttpHeaderNames.ACCEPT_RANGES};

  private ResponseHeadWriter() {}

  /**
   * Returns the client's head for an upstream head.
   *
   * @param head the upstream's head, valid while its response is being delivered
   * @param rewrite the route's response rewrite
   * @param requestId the gateway's request id
   * @param extra the exchange's extra response headers (sticky cookie, CORS), possibly empty
   * @param close whether to add {@code Connection: close}
   * @return a new buffer with the head, ending with its empty line
   */
  static ByteBuf write(ByteBufAllocator alloc, UpstreamResponseHead head, HeaderRewrite rewrite,
      String requestId, Map<String, String> extra, boolean close) {
    List<String> removed = null;
    List<String[]> added = null;
    int addedBytes;
    if (rewrite.isEmpty() && extra.isEmpty()) {
      addedBytes = REQUEST_ID_PREFIX.length + requestId.length() + 2
          + (close ? CONNECTION_CLOSE.length : 0);
    } else {
      removed = new ArrayList<>();
      added = new ArrayList<>();
      operations(rewrite, requestId, extra, close, removed, added);
      addedBytes = 0;
      for (String[] header : added) {
        addedBytes += header[0].length() + header[1].length() + 4;
      }
    }
    ByteBuf out = alloc.buffer(head.length + addedBytes);
    byte[] bytes = head.bytes;
    int runStart = 0;
    int runEnd = head.statusLineEnd;
    for (int line = 0; line < head.lineCount; line++) {
      int lineEnd = head.lineEnd(line);
      if (dropped(head, line, removed)) {
        out.writeBytes(bytes, runStart, runEnd - runStart);
        runStart = lineEnd;
      }
      runEnd = lineEnd; // header lines are contiguous: the reader passes no folded lines
    }
    out.writeBytes(bytes, runStart, runEnd - runStart);
    if (added == null) {
      out.writeBytes(REQUEST_ID_PREFIX);
      out.writeCharSequence(requestId, StandardCharsets.US_ASCII);
      out.writeShort(CRLF);
      if (close) {
        out.writeBytes(CONNECTION_CLOSE);
      }
    } else {
      for (String[] header : added) {
        // As Netty's encoder writes a String header: one byte per char, '?' above 0xff.
        out.writeCharSequence(header[0], StandardCharsets.US_ASCII);
        out.writeByte(':').writeByte(' ');
        out.writeCharSequence(header[1], StandardCharsets.US_ASCII);
        out.writeShort(CRLF);
      }
    }
    out.writeShort(CRLF);
    return out;
  }

  /**
   * Returns the headers an HTTP/2 client gets for an upstream head: the lines {@link #write}
   * keeps, names in lower case, less {@code Transfer-Encoding} (HTTP/2 frames the body itself;
   * only a body of known length or none comes this way) and {@code Host}, plus what it adds, except {@code
   * Connection: close}: the head Netty's conversion of the decoded response gives.
   *
   * @param head the upstream's head; the headers copy what they keep of it
   * @param rewrite the route's response rewrite
   * @param requestId the gateway's request id
   * @param extra the exchange's extra response headers, possibly empty
   * @return the headers, with {@code :status}
   */
  static Http2Headers http2Headers(UpstreamResponseHead head, HeaderRewrite rewrite,
      String requestId, Map<String, String> extra) {
    List<String> removed = null;
    List<String[]> added = null;
    if (!rewrite.isEmpty() || !extra.isEmpty()) {
      removed = new ArrayList<>();
      added = new ArrayList<>();
      operations(rewrite, requestId, extra, false, removed, added);
    }
    // Names as they are (validated by the scanner, lowered here), values as the scanner took them.
    Http2Headers headers = new DefaultHttp2Headers(false, head.lineCount + 2);
    headers.status(HttpResponseStatus.valueOf(head.status()).codeAsText());
    byte[] bytes = head.bytes;
    for (int line = 0; line < head.lineCount; line++) {
      if (dropped(head, line, removed) || head.nameIs(line, TRANSFER_ENCODING)
          || head.nameIs(line, HOST)) {
        continue;
      }
      int valueStart = head.valueStart(line);
      headers.add(http2Name(head, line),
          new AsciiString(bytes, valueStart, head.valueEnd(line) - valueStart, true));
    }
    if (added == null) {
      headers.add(REQUEST_ID_NAME, requestId);
    } else {
      for (String[] header : added) {
        headers.add(AsciiString.of(header[0]).toLowerCase(), header[1]);
      }
    }
    return headers;
  }

  /** A line's name in lower case: a shared constant for the common ones, else a new string. */
  private static AsciiString http2Name(UpstreamResponseHead head, int line) {
    int length = head.nameEnd(line) - head.lineStart(line);
    for (AsciiString common : COMMON_NAMES) {
      if (common.length() == length && head.nameIs(line, common.array())) {
        return common;
      }
    }
    return new AsciiString(head.bytes, head.lineStart(line), length, true).toLowerCase();
  }

  /**
   * Replays what the decoded path does to an {@code HttpHeaders} after the hop-by-hop strip, as
   * names removed from the upstream's lines and lines added in order.
   */
  private static void operations(HeaderRewrite rewrite, String requestId,
      Map<String, String> extra, boolean close, List<String> removed, List<String[]> added) {
    for (String name : rewrite.removedNames()) {
      remove(name, removed, added);
    }
    for (String[] header : rewrite.setHeaders()) {
      remove(header[0], removed, added);
      added.add(header);
    }
    added.addAll(rewrite.addedHeaders());
    remove(ErrorResponses.REQUEST_ID, removed, added);
    added.add(new String[] {ErrorResponses.REQUEST_ID, requestId});
    for (Map.Entry<String, String> header : extra.entrySet()) {
      String name = header.getKey();
      // Set-Cookie and Vary are added beside the upstream's (a Vary set where there is none is
      // the same as one added); the rest are set.
      if (!name.equalsIgnoreCase("set-cookie") && !name.equalsIgnoreCase("vary")) {
        remove(name, removed, added);
      }
      added.add(new String[] {name, header.getValue()});
    }
    if (close) {
      remove("connection", removed, added);
      added.add(new String[] {"connection", "close"});
    }
  }

  private static void remove(String name, List<String> removed, List<String[]> added) {
    removed.add(name);
    added.removeIf(header -> header[0].equalsIgnoreCase(name));
  }

  /** Whether a line of the upstream's head stays out of the client's. */
  private static boolean dropped(UpstreamResponseHead head, int line,
      List<String> removed) {
    int length = head.nameEnd(line) - head.lineStart(line);
    for (byte[] name : DROPPED) {
      if (name.length == length && head.nameIs(line, name)) {
        return true;
      }
    }
    if (head.connectionNamesHeaders && listedByConnection(head, line)) {
      return true;
    }
    if (removed != null) {
      for (String name : removed) {
        if (head.nameIs(line, name)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether a {@code Connection} line lists the line's name (as {@link HopByHop#strip} reads it:
   * {@code close}, {@code keep-alive} and {@code Transfer-Encoding} are not removed).
   */
  private static boolean listedByConnection(UpstreamResponseHead head, int line) {
    byte[] bytes = head.bytes;
    int nameStart = head.lineStart(line);
    int nameLength = head.nameEnd(line) - nameStart;
    for (int other = 0; other < head.lineCount(); other++) {
      if (!head.nameIs(other, CONNECTION)) {
        continue;
      }
      int from = head.valueStart(other);
      int end = head.valueEnd(other);
      while (from < end) {
        int comma = from;
        while (comma < end && bytes[comma] != ',') {
          comma++;
        }
        int tokenStart = from;
        int tokenEnd = comma;
        while (tokenStart < tokenEnd && (bytes[tokenStart] == ' ' || bytes[tokenStart] == '\t')) {
          tokenStart++;
        }
        while (tokenEnd > tokenStart
            && (bytes[tokenEnd - 1] == ' ' || bytes[tokenEnd - 1] == '\t')) {
          tokenEnd--;
        }
        if (tokenEnd - tokenStart == nameLength
            && regionEqualsIgnoreCase(bytes, tokenStart, nameStart, nameLength)
            && !is(bytes, tokenStart, tokenEnd, CLOSE)
            && !is(bytes, tokenStart, tokenEnd, KEEP_ALIVE)
            && !is(bytes, tokenStart, tokenEnd, TRANSFER_ENCODING)) {
          return true;
        }
        from = comma + 1;
      }
    }
    return false;
  }

  private static boolean is(byte[] bytes, int from, int to, byte[] lowerCase) {
    return to - from == lowerCase.length
        && UpstreamResponseHead.regionEqualsIgnoreCase(bytes, from, lowerCase, 0, lowerCase.length);
  }

  private static boolean regionEqualsIgnoreCase(byte[] bytes, int a, int b, int length) {
    for (int i = 0; i < length; i++) {
      if (UpstreamResponseHead.lower(bytes[a + i]) != UpstreamResponseHead.lower(bytes[b + i])) {
        return false;
      }
    }
    return true;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
