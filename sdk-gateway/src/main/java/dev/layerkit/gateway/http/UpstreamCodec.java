package dev.layerkit.gateway.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpRequestEncoder;

/**
 * The HTTP/1.1 codec of an upstream connection: Netty's {@link HttpRequestEncoder} for the
 * requests (which also writes a request head passed through as bytes, {@link RawRequestHead},
 * unchanged), the gateway's {@link UpstreamResponseReader} for the responses. One handler, as
 * {@code HttpClientCodec} was, so that an upgrade removes both at once (the pipeline name {@code
 * "http"}).
 *
 * <p>A raw head is a whole body-less request, written between two requests: the encoder, which
 * refuses bytes outside a message it encoded, is between messages before and after it.
 *
 * <p>Not thread-safe: one per connection, on its event loop.
 */
final class UpstreamCodec extends CombinedChannelDuplexHandler<UpstreamResponseReader,
    HttpRequestEncoder> {

  UpstreamCodec() {
    super(new UpstreamResponseReader(), new RequestEncoder());
  }

  /** The connection's response reader, which the exchange tells what it awaits. */
  UpstreamResponseReader reader() {
    return inboundHandler();
  }

  private static final class RequestEncoder extends HttpRequestEncoder {
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise)
        throws Exception {
      if (msg instanceof RawRequestHead raw) {
        ctx.write(raw.content(), promise);
        return;
      }
      super.write(ctx, msg, promise);
    }
  }
}
