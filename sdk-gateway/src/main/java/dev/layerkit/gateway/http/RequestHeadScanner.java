package dev.layerkit.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Reads the plain HTTP/1.1 request heads of a client connection without Netty's decoder: a head
 * that is whole in the buffer, strictly well-formed and has no body becomes a {@code
 * DefaultHttpRequest} over {@link ScannedRequestHeaders} (a copy of the head's bytes and a table of
 * its lines, no header map, no string per header). Everything else is left untouched for Netty's
 * {@code HttpRequestDecoder} to decode, with all its checks and errors, as before.
 *
 * <p>What is plain, so that every head read here is one Netty's decoder accepts and decodes to the
 * same request: a request line {@code METHOD SP target SP HTTP/1.1 CRLF} with {@code GET}, {@code
 * HEAD}, {@code DELETE} or {@code OPTIONS} and an origin-form target of visible ASCII; header lines
 * ending in CRLF, each a token name, a colon right after it, and a value of visible ASCII, spaces
 * and tabs (no obs-fold, no bare CR or LF, no NUL, no other control or non-ASCII byte); no {@code
 * Content-Length}, {@code Transfer-Encoding}, {@code Upgrade} or {@code Expect} line (body
 * framing, upgrades and {@code 100-continue} stay with Netty's decoder and the handlers behind it);
 * {@code Connection} naming only {@code keep-alive} and {@code close}; a request line and header
 * section a few bytes within the decoder's limits (so the decoder, not this class, decides the
 * cases at a limit and answers them with 414 and 431). Leading empty lines, which the decoder
 * skips, are left to it too.
 *
 * <p>Request smuggling: such a head has no body by construction; its end is its empty line, as
 * for the decoder, and anything after it is the next request's.
 *
 * <p>Not thread-safe: one per connection, on its event loop. Each head gets arrays of its own: a
 * request may wait in the filters or a pipelining queue while the next one is read.
 */
final class RequestHeadScanner {

  private static final byte CR = '\r';
  private static final byte LF = '\n';
  /** Bytes kept clear of the decoder's limits, so that the limits' edges are the decoder's. */
  private static final int LIMIT_MARGIN = 4;
  private static final byte[] HTTP_1_1 = " HTTP/1.1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[][] METHOD_NAMES = {
      bytes("GET "), bytes("HEAD "), bytes("DELETE "), bytes("OPTIONS ")};
  private static final HttpMethod[] METHODS = {
      HttpMethod.GET, HttpMethod.HEAD, HttpMethod.DELETE, HttpMethod.OPTIONS};
  private static final String CONTENT_LENGTH = "content-length";
  private static final String TRANSFER_ENCODING = "transfer-encoding";
  private static final String UPGRADE = "upgrade";
  private static final String EXPECT = "expect";
  private static final String CONNECTION = "connection";

  private final int maxRequestLine;
  private final int maxHeaderSection;
  /** The length of the last head returned by {@link #scan}. */
  private int length;

  /**
   * @param maxInitialLineLength the decoder's limit on the request line
   * @param maxHeaderSize the decoder's limit on the header section
   */
  RequestHeadScanner(int maxInitialLineLength, int maxHeaderSize) {
    this.maxRequestLine = maxInitialLineLength - LIMIT_MARGIN;
    this.maxHeaderSection = maxHeaderSize - LIMIT_MARGIN;
  }

  /** The length of the head {@link #scan} last returned, up to its empty line's CRLF included. */
  int length() {
    return length;
  }

  /**
   * Reads the head at {@code in}'s reader index, consuming nothing. Returns the request if the
   * head is whole and plain (its length is then {@link #length}), else null: the decoder's turn.
   */
  @Nullable HttpRequest scan(ByteBuf in) {
    int start = in.readerIndex();
    int limit = (int) Math.min(in.writerIndex(),
        (long) start + maxRequestLine + 2 + maxHeaderSection + 2);
    int lineStart = start;
    int end = -1;
    while (lineStart < limit) {
      int lf = in.indexOf(lineStart, limit, LF);
      if (lf < 0) {
        return null; // not whole here (or too long): the decoder reads it as it comes
      }
      if (lf == lineStart + 1 && lineStart > start && in.getByte(lineStart) == CR) {
        end = lf + 1;
        break;
      }
      lineStart = lf + 1;
    }
    if (end < 0) {
      return null;
    }
    byte[] bytes = new byte[end - start];
    in.getBytes(start, bytes);
    HttpRequest request = parse(bytes);
    if (request != null) {
      length = bytes.length;
    }
    return request;
  }

  /** Parses a whole head; null if it is not plain. */
  private @Nullable HttpRequest parse(byte[] bytes) {
    int method = method(bytes);
    if (method < 0) {
      return null;
    }
    int targetStart = METHOD_NAMES[method].length;
    int i = targetStart;
    if (bytes[i] != '/') {
      return null; // absolute-form, authority-form, asterisk: the decoder's
    }
    while (i < bytes.length && bytes[i] > ' ' && bytes[i] < 0x7f) {
      i++;
    }
    int targetEnd = i;
    if (targetEnd + HTTP_1_1.length + 2 > bytes.length
        || !Arrays.equals(bytes, targetEnd, targetEnd + HTTP_1_1.length, HTTP_1_1, 0,
            HTTP_1_1.length)) {
      return null;
    }
    i = targetEnd + HTTP_1_1.length;
    if (i > maxRequestLine || bytes[i] != CR || bytes[i + 1] != LF) {
      return null;
    }
    int lineStart = i + 2;
    // Sized exactly: the head's LFs less the request line's and the empty line's (a request's
    // few lines make this array a fair share of what the head costs).
    int lineFeeds = 0;
    for (int b = lineStart; b < bytes.length; b++) {
      if (bytes[b] == LF) {
        lineFeeds++;
      }
    }
    int[] lines = new int[Math.max(0, lineFeeds - 1) * ScannedRequestHeaders.LINE_FIELDS];
    int lineCount = 0;
    int section = 0;
    while (true) {
      int lf = lineStart;
      while (bytes[lf] != LF) {
        lf++; // the head ends with CRLF CRLF: an LF is always found
      }
      if (lf == lineStart + 1 && bytes[lineStart] == CR) {
        if (lf + 1 != bytes.length) {
          return null; // cannot be: the scan ended the head at its first empty line
        }
        break;
      }
      int contentEnd = lf - 1;
      if (bytes[contentEnd] != CR) {
        return null; // a bare LF
      }
      section += contentEnd - lineStart;
      if (section > maxHeaderSection) {
        return null;
      }
      int colon = lineStart;
      while (colon < contentEnd && ResponseHeadScanner.TOKEN[bytes[colon] & 0xff]) {
        colon++;
      }
      if (colon == lineStart || colon == contentEnd || bytes[colon] != ':') {
        return null; // obs-fold, white space in a name, no colon
      }
      for (int v = colon + 1; v < contentEnd; v++) {
        byte b = bytes[v];
        if ((b < ' ' && b != '\t') || b >= 0x7f) {
          return null; // a control byte (CR included), DEL or non-ASCII
        }
      }
      int valueStart = HeaderBytes.skipOws(bytes, colon + 1, contentEnd);
      int valueEnd = HeaderBytes.trimOws(bytes, valueStart, contentEnd);
      int at = lineCount * ScannedRequestHeaders.LINE_FIELDS;
      lines[at] = lineStart;
      lines[at + 1] = colon;
      lines[at + 2] = valueStart;
      lines[at + 3] = valueEnd;
      lines[at + 4] = lf + 1;
      lineCount++;
      lineStart = lf + 1;
    }
    ScannedRequestHeaders headers = new ScannedRequestHeaders(bytes, lines, lineCount);
    for (int line = 0; line < lineCount; line++) {
      if (headers.nameIs(line, CONTENT_LENGTH) || headers.nameIs(line, TRANSFER_ENCODING)
          || headers.nameIs(line, UPGRADE) || headers.nameIs(line, EXPECT)
          || (headers.nameIs(line, CONNECTION) && !onlyKeepAliveOrClose(bytes,
              headers.valueStart(line), headers.valueEnd(line)))) {
        return null;
      }
    }
    String uri = new String(bytes, targetStart, targetEnd - targetStart,
        StandardCharsets.ISO_8859_1);
    return new DefaultHttpRequest(HttpVersion.HTTP_1_1, METHODS[method], uri, headers);
  }

  private static int method(byte[] bytes) {
    for (int m = 0; m < METHOD_NAMES.length; m++) {
      byte[] name = METHOD_NAMES[m];
      if (bytes.length > name.length && Arrays.equals(bytes, 0, name.length, name, 0, name.length)) {
        return m;
      }
    }
    return -1;
  }

  /** Whether every comma-separated element is {@code keep-alive}, {@code close} or empty. */
  private static boolean onlyKeepAliveOrClose(byte[] bytes, int from, int end) {
    while (from <= end) {
      int comma = from;
      while (comma < end && bytes[comma] != ',') {
        comma++;
      }
      int elementStart = HeaderBytes.skipOws(bytes, from, comma);
      int elementEnd = HeaderBytes.trimOws(bytes, elementStart, comma);
      if (elementEnd > elementStart && !is(bytes, elementStart, elementEnd, "keep-alive")
          && !is(bytes, elementStart, elementEnd, "close")) {
        return false;
      }
      from = comma + 1;
    }
    return true;
  }

  private static boolean is(byte[] bytes, int from, int to, String lowerCase) {
    if (to - from != lowerCase.length()) {
      return false;
    }
    for (int i = 0; i < lowerCase.length(); i++) {
      if (UpstreamResponseHead.lower(bytes[from + i]) != lowerCase.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
