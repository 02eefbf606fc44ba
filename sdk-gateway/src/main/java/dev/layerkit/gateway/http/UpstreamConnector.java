package dev.layerkit.gateway.http;

import dev.layerkit.core.time.TimeSource;
import dev.layerkit.gateway.lb.Endpoint;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Opens connections to endpoints and keeps idle keep-alive ones, per event-loop thread: a pool is
 * touched only by its own thread, so it needs no locks, and a reused connection shares the
 * client's thread, so the proxied bytes never cross threads. HTTP/2 upstreams get streams of
 * shared connections from {@link Http2Connections} instead.
 */
final class UpstreamConnector {

  private final Bootstrap bootstrap;
  private final Http2Connections http2;
  private final TimeSource time;
  private final FastThreadLocal<Map<String, ArrayDeque<Channel>>> idle = new FastThreadLocal<>() {
    @Override
    protected Map<String, ArrayDeque<Channel>> initialValue() {
      return new HashMap<>();
    }
  };

  UpstreamConnector(Transport transport, TimeSource time, ByteBufAllocator allocator) {
    this.time = time;
    this.bootstrap = new Bootstrap()
        .channel(transport.socketChannelType())
        .option(ChannelOption.ALLOCATOR, allocator)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel channel) {
            initHttp1(channel.pipeline());
          }
        });
    this.http2 = new Http2Connections(new Bootstrap()
        .channel(transport.socketChannelType())
        .option(ChannelOption.ALLOCATOR, allocator)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true));
  }

  /**
   * Builds an HTTP/1.1 upstream connection's pipeline: the request encoder and the response
   * reader (one handler, {@link UpstreamCodec}), then the handler.
   */
  static void initHttp1(ChannelPipeline pipeline) {
    UpstreamCodec codec = new UpstreamCodec();
    pipeline.addLast("http", codec);
    pipeline.addLast("upstream", new UpstreamHandler(codec.reader()));
  }

  /**
   * The key of an endpoint's connections: its id, and the TLS settings when there are some, so
   * that upstreams that share an endpoint with different TLS never share a connection.
   */
  static String poolKey(Upstream upstream, Endpoint endpoint) {
    UpstreamTls tls = upstream.tls();
    return tls == null ? endpoint.id()
        : endpoint.id() + "#tls@" + Integer.toHexString(System.identityHashCode(tls));
  }

  /**
   * Opens an HTTP/2 stream to the endpoint on a shared connection. Must run on {@code loop}'s
   * thread; the future completes there.
   */
  Future<Channel> openStream(EventLoop loop, Endpoint endpoint, Upstream upstream,
      Duration connectTimeout) {
    return http2.openStream(loop, endpoint, upstream, connectTimeout);
  }

  /**
   * Returns an idle pooled connection to the endpoint, or null. Must run on {@code loop}'s thread.
   */
  @Nullable Channel pooled(String key, Duration maxIdle) {
    ArrayDeque<Channel> channels = idle.get().get(key);
    if (channels == null) {
      return null;
    }
    long now = time.nanoTime();
    Channel channel;
    while ((channel = channels.pollLast()) != null) {
      UpstreamHandler handler = channel.pipeline().get(UpstreamHandler.class);
      if (channel.isActive() && handler != null && now - handler.idleSinceNanos() < maxIdle.toNanos()) {
        return channel;
      }
      channel.close();
    }
    return null;
  }

  /**
   * Opens a new HTTP/1.1 connection on the given event loop; with TLS, the future completes once
   * the handshake is done, so that a handshake failure counts as a failed connect.
   */
  Future<Channel> connect(EventLoop loop, Endpoint endpoint, Upstream upstream,
      Duration connectTimeout) {
    int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, connectTimeout.toMillis()));
    Bootstrap connecting = bootstrap.clone(loop)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, millis);
    UpstreamTls tls = upstream.tls();
    if (tls != null) {
      ChannelHandler plain = bootstrap.config().handler();
      connecting.handler(new ChannelInitializer<Channel>() {
        @Override
        protected void initChannel(Channel channel) {
          channel.pipeline().addLast("tls", tls.newHandler(channel.alloc(), endpoint.host(),
              endpoint.port(), false, connectTimeout));
          channel.pipeline().addLast(plain);
        }
      });
    }
    ChannelFuture connect = connecting.connect(endpoint.host(), endpoint.port());
    Promise<Channel> ready = loop.newPromise();
    connect.addListener((ChannelFuture connected) -> {
      if (!connected.isSuccess()) {
        ready.tryFailure(connected.cause());
        return;
      }
      SslHandler ssl = connected.channel().pipeline().get(SslHandler.class);
      if (ssl == null) {
        ready.trySuccess(connected.channel());
        return;
      }
      ssl.handshakeFuture().addListener(handshake -> {
        if (handshake.isSuccess()) {
          ready.trySuccess(connected.channel());
        } else {
          connected.channel().close();
          ready.tryFailure(handshake.cause());
        }
      });
    });
    return ready;
  }

  /**
   * Opens an HTTP/1.1 connection on the given event loop whose pipeline ends in {@code handler}
   * rather than an {@link UpstreamHandler}: for a one-off call the pool never sees (a {@link
   * MirrorCall}). With TLS, writes wait in the TLS handler for the handshake, and a failed
   * handshake closes the connection.
   */
  ChannelFuture connectWith(EventLoop loop, Endpoint endpoint, Upstream upstream,
      Duration connectTimeout, ChannelHandler handler) {
    int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, connectTimeout.toMillis()));
    UpstreamTls tls = upstream.tls();
    return bootstrap.clone(loop)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, millis)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel channel) {
            if (tls != null) {
              channel.pipeline().addLast("tls", tls.newHandler(channel.alloc(), endpoint.host(),
                  endpoint.port(), false, connectTimeout));
            }
            channel.pipeline().addLast("http", new HttpClientCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(4096).setMaxHeaderSize(16 * 1024)
                .setMaxChunkSize(64 * 1024).setValidateHeaders(false), false, false));
            channel.pipeline().addLast("mirror", handler);
          }
        })
        .connect(endpoint.host(), endpoint.port());
  }

  /** Returns a connection whose exchange finished cleanly to the pool, or closes it if full. */
  void release(String key, Channel channel, int maxIdle) {
    ArrayDeque<Channel> channels = idle.get().computeIfAbsent(key, id -> new ArrayDeque<>());
    if (channels.size() >= maxIdle || !channel.isActive()) {
      channel.close();
      return;
    }
    UpstreamHandler handler = channel.pipeline().get(UpstreamHandler.class);
    handler.idle(this, key, time.nanoTime());
    channels.addLast(channel);
  }

  /** Forgets a pooled connection that closed while idle. Runs on the channel's thread. */
  void forget(String key, Channel channel) {
    ArrayDeque<Channel> channels = idle.get().get(key);
    if (channels != null) {
      channels.remove(channel);
    }
  }
}
