package dev.layerkit.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The HTTP/1.1 codec of a client connection: Netty's {@code HttpServerCodec} (its request decoder
 * and response encoder, and the queue of request methods that tells the encoder which response
 * answers a HEAD or a CONNECT), which also writes a response passed through as bytes ({@link
 * RawResponseBytes}) unchanged. {@code HttpServerCodec} cannot: its encoder refuses bytes outside
 * a message it encoded, and a response it did not encode would leave its method queue one request
 * behind, so that the next response to a HEAD would be framed as a GET's.
 *
 * <p>A raw head takes its request's method off the queue as an encoded response does; the exchange
 * knew the method already (a raw HEAD response comes without a body). HEAD, CONNECT and 1xx
 * handling of decoded responses is {@code HttpServerCodec}'s.
 *
 * <p>On the request side, plain body-less heads are read by a {@link RequestHeadScanner} into
 * requests over {@link ScannedRequestHeaders} (no header map), everything else by Netty's decoder
 * as before ({@link RequestDecoder}).
 *
 * <p>Not thread-safe: one per connection, on its event loop.
 */
final class GatewayServerCodec extends CombinedChannelDuplexHandler<HttpRequestDecoder,
    HttpResponseEncoder> {

  /** At most this many requests decoded and not answered, as {@code HttpServerCodec} allows. */
  static final int MAX_PIPELINE_DEPTH = 128;

  /** The methods of the requests decoded and not yet answered, oldest first. */
  private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>(4);
  /** Set when a request had both Transfer-Encoding and Content-Length: close after answering. */
  private boolean mustCloseAfterResponse;

  GatewayServerCodec(int maxInitialLineLength, int maxHeaderSize, int maxChunkSize) {
    HttpDecoderConfig config = new HttpDecoderConfig()
        .setMaxInitialLineLength(maxInitialLineLength)
        .setMaxHeaderSize(maxHeaderSize)
        .setMaxChunkSize(maxChunkSize);
    init(new RequestDecoder(config, maxInitialLineLength, maxHeaderSize), new ResponseEncoder());
  }

  private HttpMethod pollMethod() {
    HttpMethod method = methods.poll();
    return method == null ? HttpMethod.GET : method;
  }

  /**
   * Netty's request decoder, in front of which a {@link RequestHeadScanner} reads the plain
   * body-less heads without decoding them. The scanner has its turn only between requests
   * ({@link #scanning}): once it leaves a head to the decoder, the decoder owns that request up to
   * its last part, with its own state, checks and errors, exactly as without the scanner.
   */
  private final class RequestDecoder extends HttpRequestDecoder {
    private final RequestHeadScanner scanner;
    /**
     * Whether the next bytes start a request the scanner may read: true between requests, false
     * from a head the decoder took up to the successful end of that request (for good after a
     * failure, whose input the decoder then drops).
     */
    private boolean scanning = true;
    /** Set once the pipeline depth is exceeded: the rest of the input is dropped. */
    private boolean discard;

    RequestDecoder(HttpDecoderConfig config, int maxInitialLineLength, int maxHeaderSize) {
      super(config);
      this.scanner = new RequestHeadScanner(maxInitialLineLength, maxHeaderSize);
    }

    /** Reads one request: scanned if plain, else by the superclass (see the class comment). */
    private void read(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out)
        throws Exception {
      if (scanning) {
        if (!buffer.isReadable()) {
          return;
        }
        HttpRequest scanned = scanner.scan(buffer);
        if (scanned != null) {
          buffer.skipBytes(scanner.length());
          out.add(scanned);
          out.add(LastHttpContent.EMPTY_LAST_CONTENT); // as the decoder ends a body-less request
          return;
        }
        scanning = false;
      }
      int from = out.size();
      super.decode(ctx, buffer, out);
      for (int i = from; i < out.size(); i++) {
        if (out.get(i) instanceof LastHttpContent last && last.decoderResult().isSuccess()) {
          scanning = true; // the decoder is between requests again
        }
      }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out)
        throws Exception {
      if (discard) {
        buffer.skipBytes(buffer.readableBytes());
        return;
      }
      int oldSize = out.size();
      read(ctx, buffer, out);
      int size = out.size();
      for (int i = oldSize; i < size; i++) {
        if (out.get(i) instanceof HttpRequest request) {
          if (methods.size() >= MAX_PIPELINE_DEPTH) {
            // As HttpServerCodec: too many requests ahead of their answers; answer those in
            // hand, then close.
            mustCloseAfterResponse = true;
            discard = true;
            for (int j = i; j < size; j++) {
              ReferenceCountUtil.release(out.get(j));
            }
            out.subList(i, size).clear();
            throw new IllegalStateException("maxPipelineDepth exceeded: " + MAX_PIPELINE_DEPTH);
          }
          methods.add(request.method());
        }
      }
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
      super.handleTransferEncodingChunkedWithContentLength(message);
      mustCloseAfterResponse = true;
    }
  }

  private final class ResponseEncoder extends HttpResponseEncoder {

    private HttpMethod method = HttpMethod.GET;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise)
        throws Exception {
      if (msg instanceof RawResponseBytes raw) {
        if (raw.part() == RawResponseBytes.Part.HEAD) {
          method = pollMethod();
        }
        if (mustCloseAfterResponse && raw.isLast()) {
          mustCloseAfterResponse = false;
          promise = promise.unvoid().addListener(ChannelFutureListener.CLOSE);
        }
        ctx.write(raw.content(), promise);
        return;
      }
      if (mustCloseAfterResponse && msg instanceof LastHttpContent) {
        mustCloseAfterResponse = false;
        promise = promise.unvoid().addListener(ChannelFutureListener.CLOSE);
      }
      super.write(ctx, msg, promise);
    }

    @Override
    protected void sanitizeHeadersBeforeEncode(HttpResponse msg, boolean isAlwaysEmpty) {
      if (!isAlwaysEmpty && HttpMethod.CONNECT.equals(method)
          && msg.status().codeClass() == HttpStatusClass.SUCCESS) {
        // A successful CONNECT has no body: no Transfer-Encoding (RFC 9110 section 9.3.6).
        msg.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
        return;
      }
      super.sanitizeHeadersBeforeEncode(msg, isAlwaysEmpty);
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse msg) {
      if (msg.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
        return super.isContentAlwaysEmpty(msg); // an interim response answers no request yet
      }
      method = pollMethod();
      return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
    }
  }
}
