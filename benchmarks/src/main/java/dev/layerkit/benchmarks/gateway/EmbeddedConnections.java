package dev.layerkit.benchmarks.gateway;

import dev.layerkit.gateway.http.Auth;
import dev.layerkit.gateway.http.Gateway;
import dev.layerkit.gateway.http.KeyResolver;
import dev.layerkit.gateway.http.Route;
import dev.layerkit.gateway.http.Upstream;
import dev.layerkit.gateway.http.internal.PipelineAccess;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancers;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import dev.layerkit.gateway.ratelimit.RateLimiters;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * What the pipeline benchmarks ({@link GatewayPipelineBenchmark}, {@link
 * GatewayHttp2PipelineBenchmark}) share: a client connection with socket addresses, draining what
 * a connection wrote, and the requests' and responses' bytes as buffers.
 */
final class EmbeddedConnections {

  static final String API_KEY = "lk_bench_7f3c9a1e5b2d4f6081a3c5e7f9b1d3e5";
  static final String BODY =
      ("layerkit-gateway-benchmark-fixed-100-byte-body-".repeat(3)).substring(0, 100);
  /** What nginx's {@code return 200} answers. */
  static final String RESPONSE = "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n"
      + "Date: Sun, 06 Dec 2026 20:00:00 GMT\r\nContent-Type: application/octet-stream\r\n"
      + "Content-Length: 100\r\nConnection: keep-alive\r\n\r\n" + BODY;

  private EmbeddedConnections() {}

  /**
   * Starts {@link GatewayBenchServer}'s gateway on one event loop: API-key auth, a rate limit that
   * never denies, every path to {@code target}.
   */
  static Gateway benchGateway(Upstream target) {
    return Gateway.builder().bindAddress("127.0.0.1").port(0).workerThreads(1)
        .route(Route.builder("bench").pathPrefix("/")
            .auth(Auth.apiKeys().addKey("bench", API_KEY).build())
            .rateLimit(RateLimiters.inMemory(RateLimitPolicy.of(Limit.perSecond(1_000_000_000L)))
                .build(), KeyResolver.principal())
            .upstream(target).build())
        .build().start();
  }

  /**
   * Reads and releases everything a connection wrote.
   *
   * @param channel the connection
   * @param copy where to copy the bytes, or null
   * @return the number of bytes written
   */
  static int drain(EmbeddedChannel channel, ByteBuf copy) {
    int bytes = 0;
    Object message;
    while ((message = channel.readOutbound()) != null) {
      if (message instanceof ByteBuf buffer) {
        bytes += buffer.readableBytes();
        if (copy != null) {
          copy.writeBytes(buffer, buffer.readerIndex(), buffer.readableBytes());
        }
      }
      ReferenceCountUtil.release(message);
    }
    return bytes;
  }

  /** Everything a connection wrote, copied into one heap buffer. */
  static ByteBuf drained(EmbeddedChannel channel) {
    ByteBuf out = PooledByteBufAllocator.DEFAULT.heapBuffer();
    drain(channel, out);
    return out;
  }

  static String text(ByteBuf buffer) {
    try {
      return buffer.toString(StandardCharsets.US_ASCII);
    } finally {
      buffer.release();
    }
  }

  static ByteBuf direct(String text) {
    return direct(text.getBytes(StandardCharsets.US_ASCII));
  }

  static ByteBuf direct(byte[] bytes) {
    return PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
  }

  /** The gateway's side of a pipeline benchmark: the gateway, its client pipeline, an upstream. */
  record GatewayPipelines(Gateway gateway, ChannelHandler clientInitializer,
      EmbeddedChannel upstream) {}

  /**
   * Starts {@link #benchGateway} with one endpoint that is never connected to: its pool holds one
   * idle upstream connection, an {@link EmbeddedChannel}, which every request takes.
   */
  static GatewayPipelines gatewayPipelines() {
    Endpoint endpoint = Endpoint.of("127.0.0.1", 9);
    Upstream target = Upstream.of("bench", LoadBalancers.roundRobin().serviceName("bench")
        .endpointSource(EndpointSource.of(endpoint)).build());
    Gateway gateway = benchGateway(target);
    PipelineAccess.Harness harness = PipelineAccess.harness(gateway);
    EmbeddedChannel upstream = new EmbeddedChannel();
    harness.addIdleUpstreamConnection(target, endpoint, upstream);
    return new GatewayPipelines(gateway, harness.clientInitializer(), upstream);
  }

  /** Closes a benchmark's connections and gateway (if any), and releases its buffers. */
  static void close(EmbeddedChannel client, EmbeddedChannel upstream, Gateway gateway,
      ByteBuf... buffers) {
    client.finishAndReleaseAll();
    upstream.finishAndReleaseAll();
    if (gateway != null) {
      gateway.close();
    }
    for (ByteBuf buffer : buffers) {
      buffer.release();
    }
  }

  /** Passes every message to another connection, flushing at the end of each message. */
  static class Relay extends ChannelInboundHandlerAdapter {
    Channel target;

    /** Sets the connection to pass to; returns this relay. */
    Relay to(Channel channel) {
      this.target = channel;
      return this;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof LastHttpContent) {
        target.writeAndFlush(msg);
      } else {
        target.write(msg);
      }
    }
  }

  /** A client connection with the socket addresses the gateway reads. */
  static final class ClientChannel extends EmbeddedChannel {
    private static final SocketAddress REMOTE = new InetSocketAddress("127.0.0.1", 40_000);
    private static final SocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 8080);

    ClientChannel(ChannelHandler... handlers) {
      super(null, DefaultChannelId.newInstance(), false, false, handlers);
    }

    @Override
    protected SocketAddress remoteAddress0() {
      return REMOTE;
    }

    @Override
    protected SocketAddress localAddress0() {
      return LOCAL;
    }
  }
}
