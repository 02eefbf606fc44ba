package dev.layerkit.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the responses of an HTTP/1.1 upstream connection, either as bytes passed through (the
 * common case) or as Netty's HTTP objects (everything else), one response at a time.
 *
 * <p>Design: every response head is first scanned here, in one pass over a copy of its bytes,
 * without building a header map: the line ends, the status, and the three headers that frame the
 * body ({@code Content-Length}, {@code Transfer-Encoding}, {@code Connection}). A head that is
 * malformed in a way that matters (a NUL or bare CR anywhere, a line without a colon, an invalid
 * or repeated {@code Content-Length}, a status line or header section over the limits) fails the
 * response: a {@link FullHttpResponse} whose decoder result is the failure, as Netty's decoder
 * reports a bad head, after which the connection's input is dropped. Then, if the exchange asked
 * for pass-through ({@link #expect}) and the response is the plain case (HTTP/1.1, a final status
 * other than 101 and 205, a body framed by {@code Content-Length} or by {@code chunked} alone, or
 * no body: HEAD, 204 and 304), the reader emits an {@link UpstreamResponseHead} and then the body
 * as {@link RawResponseBytes}: retained slices of the read buffers, chunked bytes unchanged but
 * parsed to find their end. Anything else (1xx, upgrades, HTTP/1.0, a body that runs to the
 * connection's close, unusual but valid syntax such as folded lines) is handed whole to the
 * superclass, Netty's {@link HttpResponseDecoder}, which decodes that response into {@code
 * HttpResponse}, {@code HttpContent} and {@code LastHttpContent} as {@code HttpClientCodec} did;
 * the next response is scanned here again.
 *
 * <p>States ({@link State}): {@code HEAD} scans the next head; {@code FIXED_BODY} and the chunk
 * states pass a raw body through; {@code DECODED} lets the superclass own the current response
 * (for good after a 101, whose connection becomes a byte relay); {@code BAD} drops all input after
 * a failure. A failure in a raw body is reported as a {@link LastHttpContent} whose decoder result
 * is the failure: the client's response is then broken off.
 *
 * <p>Not thread-safe: one per connection, on its event loop. The {@link UpstreamResponseHead} it
 * emits is its own reused view, valid while it is delivered.
 */
final class UpstreamResponseReader extends HttpResponseDecoder {

  /** The longest status line, as the gateway's decoder allowed before. */
  static final int MAX_STATUS_LINE = 4096;
  /** The largest header section (and trailer section), as the gateway's decoder allowed before. */
  static final int MAX_HEADER_SIZE = 16 * 1024;
  /** The largest body part the superclass emits in the decoded mode. */
  static final int MAX_CHUNK_SIZE = 64 * 1024;
  /** The longest chunk-size line (size and extensions). */
  static final int MAX_CHUNK_LINE = 4096;
  /**
   * The most bytes a head is looked for in: a longer head breaks one of the two limits (the
   * status line, with its CRLF, and the header section).
   */
  private static final int MAX_HEAD = MAX_STATUS_LINE + 2 + MAX_HEADER_SIZE + 1;

  private static final byte CR = '\r';
  private static final byte LF = '\n';
  private static final byte[] HTTP_1_1 = "HTTP/1.1 ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CONTENT_LENGTH = lower("content-length");
  private static final byte[] TRANSFER_ENCODING = lower("transfer-encoding");
  private static final byte[] CONNECTION = lower("connection");
  private static final byte[] CHUNKED = lower("chunked");
  private static final byte[] CLOSE = lower("close");
  private static final byte[] KEEP_ALIVE = lower("keep-alive");
  /** Characters of an RFC 9110 token, indexed by byte value. */
  private static final boolean[] TOKEN = new boolean[256];

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

  /** Where the reader is in the connection's input. */
  private enum State {
    /** Between responses: the next bytes are a response head, scanned here. */
    HEAD,
    /** A raw body of known length: {@link #remaining} bytes are still to pass. */
    FIXED_BODY,
    /** A raw chunked body: a chunk-size line is next. */
    CHUNK_SIZE,
    /** A raw chunked body: {@link #remaining} bytes of chunk data are next. */
    CHUNK_DATA,
    /** A raw chunked body: the CRLF after a chunk's data is next. */
    CHUNK_DATA_END,
    /** A raw chunked body: trailer lines up to the empty line are next. */
    TRAILERS,
    /** The superclass decodes the current response (or, after a 101, all input). */
    DECODED,
    /** A response failed: the rest of the input is dropped. */
    BAD
  }

  /** What the exchange said about the response it awaits. */
  private enum Expecting {
    /** An ordinary request. */
    OTHER,
    /** A HEAD request: the response has no body, whatever its headers say. */
    HEAD,
    /** A CONNECT request: a 200 has no body (as {@code HttpClientCodec} decoded it). */
    CONNECT
  }

  /** How a scanned head's body is framed, if it can pass raw. */
  private enum Framing { NONE, LENGTH, CHUNKED, DECODE }

  private final UpstreamResponseHead head = new UpstreamResponseHead();
  private State state = State.HEAD;
  private Expecting expecting = Expecting.OTHER;
  private boolean passThrough;
  /** After a 101: the superclass owns the connection's input for good. */
  private boolean upgraded;

  /** Bytes of the current head copied into {@code head.bytes}, from the reader index. */
  private int copied;
  /** Where the line end search resumes (inside the line being scanned). */
  private int scanFrom;
  /** The start of the first line not yet parsed. */
  private int lineFrom;
  /** Whether the status line has been scanned (its end is {@code head.statusLineEnd}). */
  private boolean statusLineSeen;
  /** Whether the head has valid but unusual syntax, which the superclass then decodes. */
  private boolean unusual;

  /** Body bytes (or chunk data bytes) still to pass in the current state. */
  private long remaining;
  /** Trailer bytes read so far in {@link State#TRAILERS}. */
  private int trailerBytes;

  UpstreamResponseReader() {
    super(new HttpDecoderConfig()
        .setMaxInitialLineLength(MAX_STATUS_LINE)
        .setMaxHeaderSize(MAX_HEADER_SIZE)
        .setMaxChunkSize(MAX_CHUNK_SIZE)
        // Response headers are not validated again: the endpoints are the operator's own
        // services, and the gateway only adds known-safe values to them. The scan here rejects
        // what would split a response (NUL, CR) before the superclass sees a head.
        .setValidateHeaders(false));
  }

  /**
   * Says what the next response answers; called before the request is written.
   *
   * @param method the request's method (a HEAD response has no body)
   * @param passThrough whether a plain response may pass as bytes; else every response is
   *     decoded into HTTP objects
   */
  void expect(HttpMethod method, boolean passThrough) {
    this.expecting = HttpMethod.HEAD.equals(method) ? Expecting.HEAD
        : HttpMethod.CONNECT.equals(method) ? Expecting.CONNECT : Expecting.OTHER;
    this.passThrough = passThrough;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    switch (state) {
      case HEAD -> readHead(ctx, in, out);
      case FIXED_BODY -> readFixedBody(in, out);
      case CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILERS -> readChunked(in, out);
      case DECODED -> decodeBySuperclass(ctx, in, out);
      case BAD -> in.skipBytes(in.readableBytes());
      default -> throw new IllegalStateException(state.name());
    }
  }

  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out)
      throws Exception {
    if (state != State.DECODED && in.isReadable()) {
      decode(ctx, in, out);
    }
    switch (state) {
      case DECODED -> super.decodeLast(ctx, in, out);
      case HEAD -> {
        if (statusLineSeen) {
          // As Netty's decoder reports it: the head began and the connection closed.
          fail(in, out, new PrematureChannelClosureException(
              "Connection closed before received headers"), true);
        }
      }
      // A raw body cut short: nothing to emit; the close itself tells the exchange.
      default -> { }
    }
  }

  @Override
  protected boolean isContentAlwaysEmpty(HttpMessage msg) {
    int code = ((HttpResponse) msg).status().code();
    if (code >= 100 && code < 200) {
      return super.isContentAlwaysEmpty(msg);
    }
    Expecting answered = expecting;
    expecting = Expecting.OTHER; // one final response per request
    if (answered == Expecting.HEAD || (answered == Expecting.CONNECT && code == 200)) {
      return true;
    }
    return super.isContentAlwaysEmpty(msg);
  }

  // --- the head ---------------------------------------------------------------------------------

  private void readHead(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    if (copied == 0) {
      head.lineCount = 0; // the last head was delivered: its view may be overwritten
      // As Netty's decoder does, ignore empty lines before a status line.
      int index = in.readerIndex();
      int end = in.writerIndex();
      while (index < end && (in.getByte(index) == CR || in.getByte(index) == LF)) {
        index++;
      }
      in.readerIndex(index);
    }
    int length;
    Framing framing;
    try {
      length = -1;
      // Copy what may be head in growing steps, not the whole read: a body may follow it.
      int available = Math.min(in.readableBytes(), MAX_HEAD);
      while (length < 0 && copied < available) {
        int target = Math.min(available, Math.max(copied * 2, 512));
        if (head.bytes.length < target) {
          head.bytes = Arrays.copyOf(head.bytes, Math.max(target, head.bytes.length * 2));
        }
        in.getBytes(in.readerIndex() + copied, head.bytes, copied, target - copied);
        copied = target;
        length = scanHead();
      }
      if (length < 0) {
        return; // more bytes needed
      }
      framing = unusual ? Framing.DECODE : classify();
    } catch (BadResponseException e) {
      fail(in, out, e, true);
      return;
    }
    resetScan();
    if (framing == Framing.DECODE || !passThrough) {
      state = State.DECODED;
      decodeBySuperclass(ctx, in, out);
      return;
    }
    expecting = Expecting.OTHER;
    in.skipBytes(length);
    out.add(head);
    switch (framing) {
      case NONE -> out.add(RawResponseBytes.EMPTY_LAST);
      case LENGTH -> {
        if (remaining == 0) {
          out.add(RawResponseBytes.EMPTY_LAST);
        } else {
          state = State.FIXED_BODY;
        }
      }
      case CHUNKED -> state = State.CHUNK_SIZE;
      default -> throw new IllegalStateException(framing.name());
    }
  }

  /**
   * Scans the copied bytes from where the last scan stopped, line by line, into the head's line
   * table. Returns the head's length once its empty line is in, else -1.
   *
   * @throws BadResponseException if the head is malformed or too long
   */
  private int scanHead() throws BadResponseException {
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
    int valueStart = colon + 1;
    while (valueStart < contentEnd && (bytes[valueStart] == ' ' || bytes[valueStart] == '\t')) {
      valueStart++;
    }
    int valueEnd = contentEnd;
    while (valueEnd > valueStart && (bytes[valueEnd - 1] == ' ' || bytes[valueEnd - 1] == '\t')) {
      valueEnd--;
    }
    head.addLine(start, colon, valueStart, valueEnd, lineEnd);
  }

  /**
   * Reads the status and the framing headers of a scanned head and returns how the body passes.
   *
   * @throws BadResponseException if the framing headers are invalid
   */
  private Framing classify() throws BadResponseException {
    byte[] bytes = head.bytes;
    int statusEnd = head.statusLineEnd;
    int lineEnd = statusEnd - (bytes[statusEnd - 2] == CR ? 2 : 1);
    if (lineEnd < 12 || !Arrays.equals(bytes, 0, 9, HTTP_1_1, 0, 9) || !digit(bytes[9]) || !digit(bytes[10]) || !digit(bytes[11])
        || (lineEnd > 12 && bytes[12] != ' ')) {
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
    if (expecting == Expecting.CONNECT) {
      return Framing.DECODE;
    }
    boolean framed = contentLength >= 0 || transferEncodings > 0;
    if (code == 204) {
      // The client's encoder drops framing headers from a 204; only a 204 without any passes.
      return framed ? Framing.DECODE : Framing.NONE;
    }
    if (expecting == Expecting.HEAD || code == 304) {
      return Framing.NONE;
    }
    if (transferEncodings > 0) {
      // chunked alone passes; other codings, or with Content-Length, are the decoder's to judge
      return transferEncodings == 1 && chunked && contentLength < 0 ? Framing.CHUNKED
          : Framing.DECODE;
    }
    if (contentLength >= 0) {
      remaining = contentLength;
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

  private void resetScan() {
    copied = 0;
    scanFrom = 0;
    lineFrom = 0;
    statusLineSeen = false;
    unusual = false;
  }

  // --- raw bodies -------------------------------------------------------------------------------

  private void readFixedBody(ByteBuf in, List<Object> out) {
    int bytes = (int) Math.min(remaining, in.readableBytes());
    if (bytes == 0) {
      return;
    }
    remaining -= bytes;
    boolean last = remaining == 0;
    if (last) {
      state = State.HEAD;
    }
    out.add(RawResponseBytes.body(in.readRetainedSlice(bytes), bytes, last));
  }

  /**
   * Passes as much of a chunked body as has arrived, in one slice: whole chunk-size and trailer
   * lines, any part of chunk data. Emits nothing until a line is complete.
   */
  private void readChunked(ByteBuf in, List<Object> out) {
    int start = in.readerIndex();
    int end = in.writerIndex();
    int at = start;
    long data = 0;
    boolean last = false;
    try {
      loop:
      while (at < end) {
        switch (state) {
          case CHUNK_SIZE -> {
            int lineEnd = lineEnd(in, at, end, MAX_CHUNK_LINE, "chunk-size line");
            if (lineEnd < 0) {
              break loop;
            }
            long size = chunkSize(in, at, lineEnd);
            at = lineEnd;
            if (size == 0) {
              trailerBytes = 0;
              state = State.TRAILERS;
            } else {
              remaining = size;
              state = State.CHUNK_DATA;
            }
          }
          case CHUNK_DATA -> {
            int bytes = (int) Math.min(remaining, end - at);
            at += bytes;
            data += bytes;
            remaining -= bytes;
            if (remaining == 0) {
              state = State.CHUNK_DATA_END;
            }
          }
          case CHUNK_DATA_END -> {
            if (end - at < 2) {
              break loop;
            }
            if (in.getByte(at) != CR || in.getByte(at + 1) != LF) {
              throw new BadResponseException("chunk data not followed by CRLF");
            }
            at += 2;
            state = State.CHUNK_SIZE;
          }
          case TRAILERS -> {
            int lineEnd = lineEnd(in, at, end, MAX_HEADER_SIZE - trailerBytes, "trailer section");
            if (lineEnd < 0) {
              break loop;
            }
            trailerBytes += lineEnd - at;
            boolean empty = lineEnd - at == 2;
            if (!empty) {
              trailerLine(in, at, lineEnd);
            }
            at = lineEnd;
            if (empty) {
              state = State.HEAD;
              last = true;
              break loop;
            }
          }
          default -> throw new IllegalStateException(state.name());
        }
      }
    } catch (BadResponseException e) {
      if (at > start) {
        // What was valid goes on, as bytes before a cut-off connection would; then the failure.
        out.add(RawResponseBytes.body(in.readRetainedSlice(at - start), data, false));
      }
      fail(in, out, e, false);
      return;
    }
    if (at > start) {
      out.add(RawResponseBytes.body(in.readRetainedSlice(at - start), data, last));
    }
  }

  /**
   * Returns the end (after the LF) of the CRLF-terminated line at {@code from}, or -1 if it has
   * not all arrived.
   *
   * @throws BadResponseException if the line is longer than {@code max} or does not end in CRLF
   */
  private static int lineEnd(ByteBuf in, int from, int end, int max, String what)
      throws BadResponseException {
    int searchEnd = Math.min(end, from + max);
    int lf = in.indexOf(from, searchEnd, LF);
    if (lf < 0) {
      if (end - from >= max) {
        throw new BadResponseException(new TooLongFrameException(what + " longer than " + max
            + " bytes"));
      }
      return -1;
    }
    if (lf == from || in.getByte(lf - 1) != CR) {
      throw new BadResponseException(what + " not ended by CRLF");
    }
    return lf + 1;
  }

  /** Parses a chunk-size line: hex digits, then optional extensions without control bytes. */
  private long chunkSize(ByteBuf in, int from, int lineEnd) throws BadResponseException {
    int length = lineEnd - 2 - from;
    byte[] line = scratch(length);
    in.getBytes(from, line, 0, length);
    long size = 0;
    int i = 0;
    while (i < length) {
      int digit = Character.digit(line[i], 16);
      if (digit < 0) {
        break;
      }
      if (size > (Long.MAX_VALUE >> 4)) {
        throw new BadResponseException("chunk size too large");
      }
      size = (size << 4) | digit;
      i++;
    }
    if (i == 0) {
      throw new BadResponseException("invalid chunk size");
    }
    if (i < length) {
      int ext = i;
      while (ext < length && (line[ext] == ' ' || line[ext] == '\t')) {
        ext++;
      }
      if (ext == length || line[ext] != ';') {
        throw new BadResponseException("invalid chunk size");
      }
      for (; ext < length; ext++) {
        int b = line[ext] & 0xff;
        if ((b < 0x20 && b != '\t') || b == 0x7f) {
          throw new BadResponseException("control byte in a chunk extension");
        }
      }
    }
    return size;
  }

  /** Checks a trailer line: a token name, a colon, a value without NUL or CR. */
  private void trailerLine(ByteBuf in, int from, int lineEnd) throws BadResponseException {
    int length = lineEnd - 2 - from;
    byte[] line = scratch(length);
    in.getBytes(from, line, 0, length);
    int colon = 0;
    while (colon < length && TOKEN[line[colon] & 0xff]) {
      colon++;
    }
    if (colon == 0 || colon == length || line[colon] != ':') {
      throw new BadResponseException("invalid trailer line");
    }
    for (int i = colon + 1; i < length; i++) {
      if (line[i] == 0 || line[i] == CR) {
        throw new BadResponseException("NUL or CR in a trailer");
      }
    }
  }

  /** The head's array as scratch space for a body line (no head is being scanned meanwhile). */
  private byte[] scratch(int length) {
    if (head.bytes.length < length) {
      head.bytes = Arrays.copyOf(head.bytes, length);
    }
    return head.bytes;
  }

  // --- the decoded mode and failures ------------------------------------------------------------

  private void decodeBySuperclass(ChannelHandlerContext ctx, ByteBuf in, List<Object> out)
      throws Exception {
    int from = out.size();
    super.decode(ctx, in, out);
    for (int i = from; i < out.size(); i++) {
      Object message = out.get(i);
      if (message instanceof HttpResponse response && response.status().code() == 101
          && response.decoderResult().isSuccess()) {
        upgraded = true;
      }
      if (message instanceof LastHttpContent last && !upgraded) {
        // A failure leaves the superclass dropping input; success ends its response.
        state = last.decoderResult().isSuccess() ? State.HEAD : State.DECODED;
      }
    }
  }

  /** Emits the failure (as a failed head, or a failed end of body) and drops all later input. */
  private void fail(ByteBuf in, List<Object> out, Exception cause, boolean inHead) {
    in.skipBytes(in.readableBytes());
    state = State.BAD;
    resetScan();
    if (inHead) {
      FullHttpResponse failed = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
          HttpResponseStatus.BAD_GATEWAY, Unpooled.EMPTY_BUFFER);
      failed.setDecoderResult(DecoderResult.failure(cause));
      out.add(failed);
    } else {
      LastHttpContent failed = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
      failed.setDecoderResult(DecoderResult.failure(cause));
      out.add(failed);
    }
  }

  private static boolean digit(byte b) {
    return b >= '0' && b <= '9';
  }

  private static byte[] lower(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  /** A response the reader refuses; no stack trace, it describes the upstream's bytes. */
  static final class BadResponseException extends Exception {
    private static final long serialVersionUID = 1L;

    BadResponseException(String message) {
      super("invalid upstream response: " + message, null, false, false);
    }

    BadResponseException(Exception cause) {
      super("invalid upstream response: " + cause.getMessage(), cause, false, false);
    }
  }
}
