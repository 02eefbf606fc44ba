package dev.layerkit.gateway.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.ssl.ApplicationProtocolNames;
import java.util.List;

/** Builds a client connection's pipeline, or refuses the connection beyond the limit. */
final class ClientChannelInitializer extends ChannelInitializer<Channel> {

  /** What ALPN offers on a TLS port, preferred first; {@link #configure} builds each. */
  static final List<String> ALPN_PROTOCOLS = List.of(ApplicationProtocolNames.HTTP_1_1);

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
      if (gateway.terminatesTls()) {
        channel.close(); // a plaintext 503 would be garbage to a TLS client
        return;
      }
      channel.pipeline().addLast(new HttpServerCodec());
      channel.writeAndFlush(ClientHandler.tooManyConnections())
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    gateway.clients().add(channel);
    if (gateway.terminatesTls()) {
      gateway.tls().install(channel, this::configure);
      return;
    }
    configureHttp1(channel);
  }

  /** Builds the pipeline of the protocol ALPN chose on a TLS connection. */
  private void configure(Channel channel, String alpnProtocol) {
    configureHttp1(channel);
  }

  private void configureHttp1(Channel channel) {
    Gateway.Settings settings = gateway.settings();
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
