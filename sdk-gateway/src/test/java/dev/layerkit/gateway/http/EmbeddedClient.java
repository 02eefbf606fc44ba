package dev.layerkit.gateway.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * A client connection on an {@link EmbeddedChannel}, not yet registered, with the socket addresses
 * the gateway reads (a client at 192.0.2.1:40000, the gateway at 127.0.0.1:8080).
 */
class EmbeddedClient extends EmbeddedChannel {

  EmbeddedClient(ChannelHandler... handlers) {
    this(null, handlers);
  }

  /** With a parent, as an accepted connection has its server channel. */
  EmbeddedClient(@Nullable Channel parent, ChannelHandler... handlers) {
    super(parent, DefaultChannelId.newInstance(), false, false, handlers);
  }

  @Override
  protected SocketAddress remoteAddress0() {
    return new InetSocketAddress("192.0.2.1", 40_000);
  }

  @Override
  protected SocketAddress localAddress0() {
    return new InetSocketAddress("127.0.0.1", 8080);
  }
}
