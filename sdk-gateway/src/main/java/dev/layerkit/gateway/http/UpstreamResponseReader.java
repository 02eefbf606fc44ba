package dev.layerkit.gateway.http;

import dev.layerkit.gateway.http.ResponseHeadScanner.Framing;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.PrematureChannelClosureException;
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
import java.util.List;

/**
 * Reads the responses of an HTTP/1.1 upstream connection, either as bytes passed through (the
 * common case) or as Netty's HTTP objects (everything else), one response at a time.
 *
 * <p>Design: every response head is first scanned by the {@link ResponseHeadScanner}, in one pass
 * over a copy of its bytes, without building a header map: the line ends, the status, and the
 * three headers that frame the body ({@code Content-Length}, {@code Transfer-Encoding}, {@code
 * Connection}). A head that is malformed in a way that matters (a NUL or bare CR anywhere, a line
 * without a colon, an invalid or repeated {@code Content-Length}, a status line or header section
 * over the limits) fails the response: a {@link FullHttpResponse} whose decoder result is the
 * failure, as Netty's decoder reports a bad head, after which the connection's input is dropped.
 * Then, if the exchange asked for pass-through ({@link #expect}) and the response is the plain
 * case (HTTP/1.1, a final status other than 101 and 205, a body framed by {@code Content-Length}
 * or by {@code chunked} alone, or no body: HEAD, 204 and 304), the reader emits an {@link
 * UpstreamResponseHead} and then the body as {@link RawResponseBytes}: retained slices of the
 * read buffers, chunked bytes unchanged but followed by the {@link ChunkedBodyScanner} to find
 * their end. Anything else (1xx, upgrades, HTTP/1.0, a body that runs to the connection's close,
 * unusual but valid syntax such as folded lines) is handed whole to the superclass, Netty's {@link
 * HttpResponseDecoder}, which decodes that response into {@code HttpResponse}, {@code
 * HttpContent} and {@code LastHttpContent} as {@code HttpClientCodec} did; the next response is
 * scanned here again.
 *
 * <p>States ({@link State}): {@code HEAD} scans the next head; {@code FIXED_BODY} and {@code
 * CHUNKED_BODY} pass a raw body through; {@code DECODED} lets the superclass own the current
 * response (for good after a 101, whose connection becomes a byte relay); {@code BAD} drops all
 * input after a failure. A failure in a raw body is reported as a {@link LastHttpContent} whose
 * decoder result is the failure: the client's response is then broken off.
 *
 * <p>Not thread-safe: one per connection, on its event loop. The {@link UpstreamResponseHead} it
 * emits is its scanner's reused view, valid while it is delivered.
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

  /** Where the reader is in the connection's input. */
  private enum State {
    /** Between responses: the next bytes are a response head, scanned here. */
    HEAD,
    /** A raw body of known length: {@link #remaining} bytes are still to pass. */
    FIXED_BODY,
    /** A raw chunked body, followed by the {@link ChunkedBodyScanner}. */
    CHUNKED_BODY,
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

  private final ResponseHeadScanner scanner = new ResponseHeadScanner();
  private final ChunkedBodyScanner chunked = new ChunkedBodyScanner();
  private State state = State.HEAD;
  private Expecting expecting = Expecting.OTHER;
  private boolean passThrough;
  /** Whether a chunked body passes as bytes too, or only one of known length (or none). */
  private boolean chunkedToo = true;
  /** After a 101: the superclass owns the connection's input for good. */
  private boolean upgraded;
  /** Body bytes still to pass in {@link State#FIXED_BODY}. */
  private long remaining;

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
    expect(method, passThrough, true);
  }

  /**
   * Says what the next response answers, as {@link #expect(HttpMethod, boolean)}, and whether a
   * chunked body may pass as bytes: not for a client that gets the body in HTTP/2 DATA frames,
   * which must not carry the chunk lines; such a response is decoded.
   */
  void expect(HttpMethod method, boolean passThrough, boolean chunkedToo) {
    this.expecting = HttpMethod.HEAD.equals(method) ? Expecting.HEAD
        : HttpMethod.CONNECT.equals(method) ? Expecting.CONNECT : Expecting.OTHER;
    this.passThrough = passThrough;
    this.chunkedToo = chunkedToo;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    switch (state) {
      case HEAD -> readHead(ctx, in, out);
      case FIXED_BODY -> readFixedBody(in, out);
      case CHUNKED_BODY -> readChunkedBody(in, out);
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
        if (scanner.started()) {
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

  private void readHead(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    int length;
    Framing framing;
    try {
      length = scanner.scan(in);
      if (length < 0) {
        return; // more bytes needed
      }
      framing = scanner.unusual() ? Framing.DECODE
          : scanner.classify(expecting == Expecting.HEAD, expecting == Expecting.CONNECT);
    } catch (BadResponseException e) {
      fail(in, out, e, true);
      return;
    }
    scanner.reset();
    if (framing == Framing.DECODE || !passThrough || (framing == Framing.CHUNKED && !chunkedToo)) {
      state = State.DECODED;
      decodeBySuperclass(ctx, in, out);
      return;
    }
    expecting = Expecting.OTHER;
    in.skipBytes(length);
    out.add(scanner.head());
    switch (framing) {
      case NONE -> out.add(RawResponseBytes.EMPTY_LAST);
      case LENGTH -> {
        remaining = scanner.contentLength();
        if (remaining == 0) {
          out.add(RawResponseBytes.EMPTY_LAST);
        } else {
          state = State.FIXED_BODY;
        }
      }
      case CHUNKED -> {
        chunked.start();
        state = State.CHUNKED_BODY;
      }
      default -> throw new IllegalStateException(framing.name());
    }
  }

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
  private void readChunkedBody(ByteBuf in, List<Object> out) {
    int start = in.readerIndex();
    BadResponseException failure = null;
    try {
      chunked.scan(in, start, in.writerIndex());
    } catch (BadResponseException e) {
      failure = e;
    }
    int end = chunked.position();
    boolean last = failure == null && chunked.ended();
    if (end > start) {
      // On a failure what was valid goes on, as bytes before a cut-off connection would.
      out.add(RawResponseBytes.body(in.readRetainedSlice(end - start), chunked.data(), last));
    }
    if (failure != null) {
      fail(in, out, failure, false);
    } else if (last) {
      state = State.HEAD;
    }
  }

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
    scanner.reset();
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
}
