package dev.layerkit.gateway.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.HttpConversionUtil.ExtensionHeaderNames;

/**
 * Makes an HTTP/2 stream's request look exactly as HTTP/1.1's decoder delivers one, so the rest
 * of the gateway has one shape to handle:
 *
 * <ul>
 *   <li>a request that ends with its headers (Netty's codec makes it one {@link FullHttpRequest})
 *       becomes a head followed by its (empty) last content, as {@code HttpServerCodec} produces;
 *   <li>the {@code x-http2-*} headers Netty adds (the stream id, the scheme) go: they describe the
 *       client's connection to the gateway, not the request, and must not reach an upstream.
 * </ul>
 *
 * Stateless and shared by every stream.
 */
@ChannelHandler.Sharable
final class Http2RequestAdapter extends ChannelInboundHandlerAdapter {

  static final Http2RequestAdapter INSTANCE = new Http2RequestAdapter();

  /** The names of Netty's {@code x-http2-*} headers, once ({@code values()} copies its array). */
  private static final ExtensionHeaderNames[] EXTENSIONS = ExtensionHeaderNames.values();

  private Http2RequestAdapter() {}

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof HttpRequest request)) {
      ctx.fireChannelRead(msg);
      return;
    }
    HttpHeaders headers = request.headers();
    for (ExtensionHeaderNames name : EXTENSIONS) {
      headers.remove(name.text());
    }
    if (msg instanceof FullHttpRequest full) {
      ctx.fireChannelRead(new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(),
          headers));
      ctx.fireChannelRead(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
      return;
    }
    ctx.fireChannelRead(msg);
  }
}
