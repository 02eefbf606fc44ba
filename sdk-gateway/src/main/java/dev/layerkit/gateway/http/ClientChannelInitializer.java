package dev.layerkit.gateway.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;

/** Builds a client connection's pipeline, or refuses the connection beyond the limit. */
final class ClientChannelInitializer extends ChannelInitializer<Channel> {

  private final Gateway gateway;
  private final UpstreamConnector connector;

  ClientChannelInitializer(Gateway gateway, UpstreamConnector connector) {
    this.gateway = gateway;
    this.connector = connector;
  }

  @Override
  protected void initChannel(Channel channel) {
    Gateway.Settings settings = gateway.settings();
    if (gateway.clients().size() >= settings.maxConnections || gateway.draining()) {
      gateway.metrics().connectionRejected();
      channel.pipeline().addLast(new HttpServerCodec());
      channel.writeAndFlush(ClientHandler.tooManyConnections())
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    gateway.clients().add(channel);
    ClientTimeouts timeouts = new ClientTimeouts(settings.timeSource, settings.requestHeaderTimeout.toNanos(),
        settings.idleTimeout.toNanos());
    channel.pipeline()
        .addLast("timeouts", timeouts)
        .addLast("http", new HttpServerCodec(settings.maxInitialLineLength, settings.maxHeaderSize,
            64 * 1024))
        .addLast("continue", new HttpServerExpectContinueHandler());
    Compression compression = settings.compression;
    if (compression != null) {
      channel.pipeline().addAfter("http", "compress", new GatewayCompressor(compression));
    }
    channel.pipeline()
        .addLast("client", new ClientHandler(gateway, connector, timeouts,
            GatewayFilters.STANDARD));
  }
}
