package dev.layerkit.gateway.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.ApplicationProtocolNames;
import java.util.List;

/**
 * Builds a client connection's pipeline, or refuses the connection beyond the limit.
 *
 * <p>Two protocols share the port: HTTP/1.1 ({@link #configureHttp1}) and HTTP/2 ({@link
 * #configureHttp2}), told apart on plaintext connections by the {@link CleartextProtocolDetector}
 * (or, over TLS, by ALPN). Under HTTP/2 every stream becomes a child channel whose pipeline turns
 * its frames into the same HTTP objects HTTP/1.1 produces and ends in its own {@link
 * ClientHandler}, so routes, filters, limits and errors are one implementation for both.
 */
final class ClientChannelInitializer extends ChannelInitializer<Channel> {

  /** What ALPN offers on a TLS port, preferred first; {@link #configure} builds each. */
  static final List<String> ALPN_PROTOCOLS =
      List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);

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
    } else if (settings.cleartextHttp2) {
      // The timeouts watch the connection from its first moment: a client that sends nothing, or
      // trickles a preface, is cut off as an HTTP/1.1 client would be.
      channel.pipeline()
          .addLast("timeouts", newTimeouts(settings))
          .addLast("detect", new CleartextProtocolDetector(this));
    } else {
      configureHttp1(channel);
    }
  }

  /**
   * Builds the pipeline of the protocol ALPN chose on a TLS connection (the TLS handlers' own
   * timeout covers the handshake; the protocol's timeouts start after it).
   */
  private void configure(Channel channel, String alpnProtocol) {
    if (ApplicationProtocolNames.HTTP_2.equals(alpnProtocol)) {
      configureHttp2(channel);
    } else {
      configureHttp1(channel);
    }
  }

  private static ClientTimeouts newTimeouts(Gateway.Settings settings) {
    return new ClientTimeouts(settings.timeSource, settings.requestHeaderTimeout.toNanos(),
        settings.idleTimeout.toNanos());
  }

  /**
   * Ends the pipeline with HTTP/1.1: the codec ({@link GatewayServerCodec}, which also writes
   * responses passed through as bytes), timeouts (kept if the pipeline has them), and
   * one {@link ClientHandler}. May run on a connection that is already up.
   */
  void configureHttp1(Channel channel) {
    Gateway.Settings settings = gateway.settings();
    ChannelPipeline pipeline = channel.pipeline();
    ClientTimeouts timeouts = pipeline.get(ClientTimeouts.class);
    if (timeouts == null) {
      timeouts = newTimeouts(settings);
      pipeline.addLast("timeouts", timeouts);
    }
    pipeline.addLast("http", new GatewayServerCodec(settings.maxInitialLineLength,
        settings.maxHeaderSize, 64 * 1024));
    if (settings.compression != null) {
      pipeline.addLast("compress", new GatewayCompressor(settings.compression));
    }
    pipeline.addLast("continue", new HttpServerExpectContinueHandler());
    pipeline.addLast("client", new ClientHandler(gateway, connector, timeouts,
        GatewayFilters.STANDARD));
  }

  /**
   * Ends the pipeline with HTTP/2: a flush consolidation handler, the frame codec with the {@link
   * Http2Limits}, the stream multiplexer, and a guard for the connection's idle time, drain and protocol errors. May run
   * on a connection that is already up.
   */
  void configureHttp2(Channel channel) {
    Gateway.Settings settings = gateway.settings();
    if (channel.pipeline().get(ClientTimeouts.class) != null) {
      channel.pipeline().remove(ClientTimeouts.class); // HTTP/1.1's; the guard below has its own
    }
    Http2Limits limits = settings.http2Limits;
    Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
        .initialSettings(Http2Settings.defaultSettings()
            .maxConcurrentStreams(limits.maxConcurrentStreams())
            .maxHeaderListSize(limits.maxHeaderListSize())
            .initialWindowSize(limits.initialWindowSize()))
        .decoderEnforceMaxRstFramesPerWindow(limits.maxResetFrames(),
            (int) limits.resetWindow().toSeconds())
        .encoderEnforceMaxQueuedControlFrames(limits.maxQueuedControlFrames())
        .gracefulShutdownTimeoutMillis(settings.shutdownTimeout.toMillis())
        .validateHeaders(true)
        .headerSensitivityDetector(NeverIndexedHeaders.INSTANCE)
        .build();
    channel.pipeline()
        // Each stream's response ends with a flush of the connection: when several streams'
        // upstream responses arrive in one event-loop turn, this makes their flushes one (one TLS
        // record and one write instead of one each), flushed when the turn's tasks run. Measured
        // on h2load's ten streams per connection: about a fifth less CPU per request.
        .addLast("h2flush", new FlushConsolidationHandler(
            FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true))
        .addLast("h2", codec)
        .addLast("streams", new Http2MultiplexHandler(new StreamInitializer()))
        .addLast("h2guard", new Http2ConnectionGuard(gateway, codec));
  }

  /**
   * One HTTP/2 stream's pipeline: frames to HTTP objects, then the same handlers as HTTP/1.1. One
   * per connection.
   */
  private final class StreamInitializer extends ChannelInitializer<Http2StreamChannel> {
    private final Http2StreamCodec codec = new Http2StreamCodec();

    @Override
    protected void initChannel(Http2StreamChannel stream) {
      // Read only when the handler asks: the stream's window opens as its body is passed on.
      stream.config().setAutoRead(false);
      Gateway.Settings settings = gateway.settings();
      ChannelPipeline pipeline = stream.pipeline();
      pipeline.addLast("http", codec);
      if (settings.compression != null) {
        pipeline.addLast("compress", new GatewayCompressor(settings.compression));
      }
      pipeline.addLast("continue", new HttpServerExpectContinueHandler());
      pipeline.addLast("client", new ClientHandler(gateway, connector, null,
          GatewayFilters.STANDARD));
    }
  }
}
