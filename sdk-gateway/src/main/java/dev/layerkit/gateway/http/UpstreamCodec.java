package dev.layerkit.gateway.http;

import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpRequestEncoder;

/**
 * The HTTP/1.1 codec of an upstream connection: Netty's {@link HttpRequestEncoder} for the
 * requests, the gateway's {@link UpstreamResponseReader} for the responses. One handler, as
 * {@code HttpClientCodec} was, so that an upgrade removes both at once (the pipeline name {@code
 * "http"}).
 *
 * <p>Not thread-safe: one per connection, on its event loop.
 */
final class UpstreamCodec extends CombinedChannelDuplexHandler<UpstreamResponseReader,
    HttpRequestEncoder> {

  UpstreamCodec() {
    super(new UpstreamResponseReader(), new HttpRequestEncoder());
  }

  /** The connection's response reader, which the exchange tells what it awaits. */
  UpstreamResponseReader reader() {
    return inboundHandler();
  }
}
