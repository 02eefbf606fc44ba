package dev.layerkit.gateway.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The optional plaintext port of a TLS gateway ({@link Gateway.Builder#httpRedirectPort}): every
 * request is answered by an {@link HttpsRedirectHandler}. It shares the gateway's event loops and
 * client timeouts; its connections are not counted in {@link Gateway.Builder#maxConnections} and
 * close with the gateway.
 */
final class HttpsRedirectServer implements AutoCloseable {

  private final Gateway gateway;
  private final int port;
  private final IntSupplier httpsPort;
  private final ChannelGroup connections = new DefaultChannelGroup("layerkit-gateway-redirects",
      GlobalEventExecutor.INSTANCE);
  private @Nullable Channel server;

  HttpsRedirectServer(Gateway gateway, int port, IntSupplier httpsPort) {
    this.gateway = gateway;
    this.port = port;
    this.httpsPort = httpsPort;
  }

  /** Returns the port asked for (0 for any). */
  int port() {
    return port;
  }

  /**
   * Binds the port.
   *
   * @return the bound port
   */
  int bind(EventLoopGroup boss, EventLoopGroup workers, Transport transport) {
    Gateway.Settings settings = gateway.settings();
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(boss, workers)
        .channel(transport.serverChannel())
        .option(ChannelOption.SO_BACKLOG, 128)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.ALLOCATOR, settings.allocator)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel channel) {
            connections.add(channel);
            ClientTimeouts timeouts = new ClientTimeouts(settings.timeSource,
                settings.requestHeaderTimeout.toNanos(), settings.idleTimeout.toNanos());
            channel.pipeline()
                .addLast("timeouts", timeouts)
                .addLast("http", new HttpServerCodec(settings.maxInitialLineLength,
                    settings.maxHeaderSize, 64 * 1024))
                .addLast("redirect", new HttpsRedirectHandler(gateway, timeouts, httpsPort));
          }
        });
    Channel channel = bootstrap.bind(new InetSocketAddress(settings.bindAddress, port))
        .syncUninterruptibly().channel();
    this.server = channel;
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public void close() {
    Channel channel = server;
    if (channel != null) {
      channel.close().syncUninterruptibly();
    }
    connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
