package dev.layerkit.gateway.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.handler.codec.http2.HttpConversionUtil.ExtensionHeaderNames;
import java.util.List;

/**
 * An HTTP/2 stream's frames as the HTTP objects HTTP/1.1's decoder delivers, and the gateway's
 * HTTP objects as frames: Netty's {@link Http2StreamFrameToHttpObjectCodec}, with a request's
 * HEADERS frame made into exactly the shape {@code HttpServerCodec} produces, so that the rest of
 * the gateway has one shape to handle:
 *
 * <ul>
 *   <li>a request head, converted by Netty's {@link HttpConversionUtil}, followed by its last
 *       content when the HEADERS frame ends the stream (Netty's codec would make one {@code
 *       FullHttpRequest} with a buffer of its own, which the gateway would split again);
 *   <li>without the {@code x-http2-*} headers that the conversion adds (the stream id, the
 *       scheme): they describe the client's connection to the gateway, not the request, and must
 *       not reach an upstream.
 * </ul>
 *
 * Everything else (DATA frames, trailers, the outbound direction) is Netty's codec unchanged.
 *
 * <p>Shared by the streams of one connection, which run on its event loop, and not across
 * connections: Netty's decoder writes two fields on every frame, and an instance that two event
 * loops wrote would bounce their cache line between the cores.
 */
@ChannelHandler.Sharable
final class Http2StreamCodec extends Http2StreamFrameToHttpObjectCodec {

  /** The names of Netty's {@code x-http2-*} headers, once ({@code values()} copies its array). */
  private static final ExtensionHeaderNames[] EXTENSIONS = ExtensionHeaderNames.values();

  Http2StreamCodec() {
    super(true, true);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, Http2StreamFrame frame, List<Object> out)
      throws Exception {
    if (frame instanceof Http2HeadersFrame headersFrame && headersFrame.headers().method() != null) {
      Http2Headers headers = headersFrame.headers();
      Http2FrameStream stream = headersFrame.stream();
      HttpRequest request = HttpConversionUtil.toHttpRequest(stream == null ? 0 : stream.id(),
          headers, true);
      HttpHeaders converted = request.headers();
      for (ExtensionHeaderNames name : EXTENSIONS) {
        converted.remove(name.text());
      }
      out.add(request);
      if (headersFrame.isEndStream()) {
        out.add(LastHttpContent.EMPTY_LAST_CONTENT);
      } else if (!HttpUtil.isContentLengthSet(request)) {
        // As Netty's codec does: a body of unknown length is chunked in HTTP/1.1's terms.
        converted.add(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      }
      return;
    }
    super.decode(ctx, frame, out);
  }
}
