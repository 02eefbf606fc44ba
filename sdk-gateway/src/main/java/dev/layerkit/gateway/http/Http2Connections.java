package dev.layerkit.gateway.http;

import dev.layerkit.gateway.lb.Endpoint;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * HTTP/2 connections to the endpoints of {@link Upstream.Protocol#HTTP_2} upstreams, per
 * event-loop thread, each request a stream of one of them.
 *
 * <p>Design: a connection is {@link Connection.State#OPENING} from the TCP connect until the
 * endpoint's first {@code SETTINGS} frame arrives (after the TLS handshake and ALPN, with TLS),
 * so that its {@code SETTINGS_MAX_CONCURRENT_STREAMS} is known before any stream is counted
 * against it; requests that arrive meanwhile wait in the connection's queue, up to a default of
 * 100 streams, the least RFC 9113 recommends. Then it is {@link Connection.State#READY}: a request
 * reserves a stream slot ({@code reserved < maxConcurrentStreams}) and opens a stream channel with
 * {@link Http2StreamChannelBootstrap}, whose pipeline turns frames into the HTTP objects the
 * {@link Exchange} speaks ({@link Http2StreamFrameToHttpObjectCodec}) and ends in an {@link
 * UpstreamHandler}; the slot is freed when the stream channel closes. When every connection is
 * full, another opens. {@code GOAWAY} moves a connection to {@link Connection.State#DRAINING}:
 * its streams finish, new ones go elsewhere. A connection without streams for the upstream's idle
 * timeout closes.
 *
 * <p>Flow control: a stream whose client reads slowly stops reading its stream channel, so its
 * {@link #STREAM_WINDOW} fills and the endpoint waits for that stream only. Unread bytes count
 * against the connection's window too, which is therefore raised to {@link #CONNECTION_WINDOW}:
 * up to 64 stalled streams leave the rest of the connection flowing, and the memory a connection
 * can hold for stalled readers stays bounded by it (8 MiB).
 *
 * <p>Concurrency: everything runs on the event loop that owns the map (a {@link FastThreadLocal}),
 * as for the HTTP/1.1 pool, so nothing is locked; the flow control of each stream shows as its
 * channel's writability and read back-pressure, which the exchange already follows.
 */
final class Http2Connections {

  /** Streams assumed allowed before the endpoint's SETTINGS say otherwise. */
  private static final int DEFAULT_MAX_STREAMS = 100;

  /** How much of one response stream the endpoint may send before the gateway reads it. */
  static final int STREAM_WINDOW = 128 * 1024;

  /**
   * How much of all the connection's response streams the endpoint may send before the gateway
   * reads them: 64 streams' windows, so that a stream whose client stopped reading (whose unread
   * bytes still count against the connection) does not stall the others sharing the connection.
   */
  static final int CONNECTION_WINDOW = 64 * STREAM_WINDOW;

  private final Bootstrap bootstrap;
  private final FastThreadLocal<Map<String, List<Connection>>> connections =
      new FastThreadLocal<>() {
        @Override
        protected Map<String, List<Connection>> initialValue() {
          return new HashMap<>();
        }
      };

  Http2Connections(Bootstrap bootstrap) {
    this.bootstrap = bootstrap;
  }

  /**
   * Opens a stream to the endpoint on a connection with room for it, opening a connection if
   * none has. Must run on {@code loop}'s thread; the future completes there.
   */
  Future<Channel> openStream(EventLoop loop, Endpoint endpoint, Upstream upstream,
      Duration connectTimeout) {
    Promise<Channel> promise = loop.newPromise();
    String key = UpstreamConnector.poolKey(upstream, endpoint);
    List<Connection> list = connections.get().computeIfAbsent(key, k -> new ArrayList<>(2));
    for (Connection connection : list) {
      if (connection.tryReserve()) {
        connection.open(promise);
        return promise;
      }
    }
    Connection connection = new Connection(list, upstream, endpoint, connectTimeout);
    list.add(connection);
    connection.tryReserve();
    connection.open(promise);
    connection.connect(loop);
    return promise;
  }

  /** One connection to an endpoint and the streams it carries. */
  private final class Connection extends ChannelInboundHandlerAdapter {

    /**
     * Transitions: OPENING --first SETTINGS--> READY --GOAWAY--> DRAINING; any --closed or
     * failed--> CLOSED.
     */
    enum State {
      /** Connecting, handshaking, or waiting for the endpoint's SETTINGS; requests queue. */
      OPENING,
      /** Takes new streams up to the endpoint's limit. */
      READY,
      /** GOAWAY received: open streams finish, no new ones. */
      DRAINING,
      /** Closed; it has left the list. */
      CLOSED
    }

    private final List<Connection> list;
    private final Upstream upstream;
    private final Endpoint endpoint;
    private final Duration connectTimeout;
    private final ArrayDeque<Promise<Channel>> waiting = new ArrayDeque<>(4);
    private State state = State.OPENING;
    private @Nullable Channel channel;
    private int reserved;
    private int maxStreams = DEFAULT_MAX_STREAMS;
    private @Nullable ScheduledFuture<?> connectTimer;
    private @Nullable ScheduledFuture<?> idleTimer;

    Connection(List<Connection> list, Upstream upstream, Endpoint endpoint,
        Duration connectTimeout) {
      this.list = list;
      this.upstream = upstream;
      this.endpoint = endpoint;
      this.connectTimeout = connectTimeout;
    }

    boolean tryReserve() {
      if ((state != State.OPENING && state != State.READY) || reserved >= maxStreams) {
        return false;
      }
      reserved++;
      cancelIdleTimer();
      return true;
    }

    void open(Promise<Channel> promise) {
      if (state == State.OPENING) {
        waiting.add(promise);
        return;
      }
      Channel parent = channel;
      if (state != State.READY || parent == null) {
        release();
        promise.tryFailure(new UpstreamConnectException("HTTP/2 connection to " + endpoint
            + " closed before the stream opened"));
        return;
      }
      new Http2StreamChannelBootstrap(parent)
          .handler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
              stream.pipeline().addLast("http", new Http2StreamFrameToHttpObjectCodec(false, false));
              stream.pipeline().addLast("upstream", new UpstreamHandler());
            }
          })
          .open()
          .addListener((Future<Http2StreamChannel> opened) -> {
            if (opened.isSuccess()) {
              Http2StreamChannel stream = opened.getNow();
              stream.closeFuture().addListener(closed -> release());
              if (!promise.trySuccess(stream)) {
                stream.close(); // the exchange gave up meanwhile
              }
            } else {
              release();
              promise.tryFailure(opened.cause());
            }
          });
    }

    private void release() {
      reserved--;
      if (reserved == 0 && state == State.READY) {
        Channel parent = channel;
        if (parent != null) {
          idleTimer = parent.eventLoop().schedule(this::closeIfIdle,
              upstream.idleConnectionTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
      } else if (reserved == 0 && state == State.DRAINING) {
        close();
      }
    }

    private void closeIfIdle() {
      idleTimer = null;
      if (reserved == 0) {
        close();
      }
    }

    private void cancelIdleTimer() {
      ScheduledFuture<?> pending = idleTimer;
      if (pending != null) {
        pending.cancel(false);
        idleTimer = null;
      }
    }

    private void cancelConnectTimer() {
      ScheduledFuture<?> pending = connectTimer;
      if (pending != null) {
        pending.cancel(false);
        connectTimer = null;
      }
    }

    void connect(EventLoop loop) {
      int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, connectTimeout.toMillis()));
      ChannelFuture future = bootstrap.clone(loop)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, millis)
          .handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
              UpstreamTls tls = upstream.tls();
              if (tls != null) {
                ch.pipeline().addLast("tls", tls.newHandler(ch.alloc(), endpoint.host(),
                    endpoint.port(), true, connectTimeout));
              }
              Http2FrameCodec frameCodec = Http2FrameCodecBuilder.forClient()
                  .initialSettings(Http2Settings.defaultSettings().pushEnabled(false)
                      .initialWindowSize(STREAM_WINDOW))
                  .validateHeaders(false)
                  .headerSensitivityDetector(NeverIndexedHeaders.INSTANCE)
                  .build();
              ch.pipeline().addLast("h2", frameCodec);
              ch.pipeline().addLast("multiplex", new Http2MultiplexHandler(
                  new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRegistered(ChannelHandlerContext ctx) {
                      // A pushed or peer-opened stream: the gateway asked for none.
                      ctx.close();
                    }
                  }));
              ch.pipeline().addLast("connection", Connection.this);
            }
          })
          .connect(endpoint.host(), endpoint.port());
      Channel ch = future.channel();
      channel = ch;
      // The connect timeout also bounds the TLS handshake and the wait for SETTINGS.
      connectTimer = loop.schedule(() -> {
        connectTimer = null;
        if (state == State.OPENING) {
          fail(new UpstreamConnectException("HTTP/2 connection to " + endpoint
              + " not ready within " + connectTimeout.toMillis() + " ms"));
        }
      }, connectTimeout.toNanos(), TimeUnit.NANOSECONDS);
      future.addListener((ChannelFuture connected) -> {
        if (!connected.isSuccess()) {
          fail(connected.cause());
          return;
        }
        SslHandler ssl = connected.channel().pipeline().get(SslHandler.class);
        if (ssl != null) {
          ssl.handshakeFuture().addListener(handshake -> {
            if (!handshake.isSuccess()) {
              fail(handshake.cause());
            } else if (!ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol())) {
              fail(new UpstreamConnectException(endpoint + " did not select h2 by ALPN (it chose "
                  + ssl.applicationProtocol() + ")"));
            }
          });
        }
      });
      ch.closeFuture().addListener(closed -> {
        if (state == State.OPENING) {
          fail(new UpstreamConnectException("HTTP/2 connection to " + endpoint + " closed"));
        }
        closed();
      });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof Http2SettingsFrame settings) {
          Long max = settings.settings().maxConcurrentStreams();
          if (max != null) {
            maxStreams = (int) Math.min(Integer.MAX_VALUE, max);
          }
          if (state == State.OPENING) {
            ready();
          }
        } else if (msg instanceof Http2GoAwayFrame) {
          drain();
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (state == State.OPENING) {
        fail(cause);
      } else {
        ctx.close();
      }
    }

    /** OPENING -> READY: the queued requests open their streams, up to the endpoint's limit. */
    private void ready() {
      state = State.READY;
      cancelConnectTimer();
      Channel parent = channel;
      if (parent != null) {
        // A WINDOW_UPDATE on stream 0 raises the connection's window from the 64 KiB default.
        parent.writeAndFlush(new DefaultHttp2WindowUpdateFrame(CONNECTION_WINDOW - 65_535));
      }
      int opened = 0;
      Promise<Channel> next;
      while ((next = waiting.poll()) != null) {
        if (opened >= maxStreams) {
          // Reserved before the limit was known: move to another connection.
          reserved--;
          retryElsewhere(next);
        } else {
          opened++;
          open(next);
        }
      }
    }

    private void retryElsewhere(Promise<Channel> promise) {
      Channel parent = channel;
      if (parent == null) {
        promise.tryFailure(new UpstreamConnectException("HTTP/2 connection to " + endpoint
            + " closed"));
        return;
      }
      openStream(parent.eventLoop(), endpoint, upstream, connectTimeout)
          .addListener((Future<Channel> opened) -> {
            if (opened.isSuccess()) {
              if (!promise.trySuccess(opened.getNow())) {
                opened.getNow().close();
              }
            } else {
              promise.tryFailure(opened.cause());
            }
          });
    }

    /** READY -> DRAINING: the endpoint said GOAWAY. */
    private void drain() {
      if (state == State.READY || state == State.OPENING) {
        state = State.DRAINING;
        cancelConnectTimer();
        list.remove(this);
        Promise<Channel> next;
        while ((next = waiting.poll()) != null) {
          reserved--;
          retryElsewhere(next);
        }
        if (reserved == 0) {
          close();
        }
      }
    }

    private void fail(Throwable cause) {
      if (state == State.CLOSED) {
        return;
      }
      closed();
      Promise<Channel> next;
      while ((next = waiting.poll()) != null) {
        next.tryFailure(cause);
      }
      Channel ch = channel;
      if (ch != null) {
        ch.close();
      }
    }

    private void close() {
      Channel ch = channel;
      closed();
      if (ch != null) {
        ch.close();
      }
    }

    /** any -> CLOSED. */
    private void closed() {
      if (state == State.CLOSED) {
        return;
      }
      state = State.CLOSED;
      cancelConnectTimer();
      cancelIdleTimer();
      list.remove(this);
      Promise<Channel> next;
      while ((next = waiting.poll()) != null) {
        next.tryFailure(new UpstreamConnectException("HTTP/2 connection to " + endpoint
            + " closed"));
      }
    }
  }
}
