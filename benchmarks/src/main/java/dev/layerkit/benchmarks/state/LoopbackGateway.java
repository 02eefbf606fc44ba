package dev.layerkit.benchmarks.state;

import dev.layerkit.gateway.http.Gateway;
import dev.layerkit.gateway.http.Route;
import dev.layerkit.gateway.http.Upstream;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.EndpointSource;
import dev.layerkit.gateway.lb.LoadBalancer;
import dev.layerkit.gateway.lb.LoadBalancers;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A gateway's whole request path inside one JVM, over loopback: a client on one kept-alive
 * socket, the {@link Gateway} (one event loop, one route for every path, round robin over one
 * endpoint) and an upstream that answers every request with a fixed 200 (a Netty server on one
 * event loop). {@link #request()} sends one {@code GET} and reads the whole response.
 *
 * <p>Used by the benchmarks that compare a gateway configured one way with one configured
 * another: whatever the client and the upstream cost is the same on both sides. Not thread-safe:
 * one benchmark thread per instance.
 */
public final class LoopbackGateway implements AutoCloseable {

  private static final byte[] REQUEST =
      "GET /orders/42 HTTP/1.1\r\nHost: bench\r\nUser-Agent: bench\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] BODY = "{\"id\":42,\"status\":\"NEW\"}".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CONTENT_LENGTH = "content-length:".getBytes(StandardCharsets.US_ASCII);

  private final EventLoopGroup upstreamLoop;
  private final Channel upstreamChannel;
  private final LoadBalancer balancer;
  private final Gateway gateway;
  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;
  private final byte[] buffer = new byte[16 * 1024];

  /**
   * Starts the upstream, the gateway and the client's connection.
   *
   * @param configure adds settings to the gateway's builder (bind address, port, threads and the
   *     route are set already)
   * @throws InterruptedException if interrupted while the upstream binds
   * @throws IOException if the client cannot connect
   */
  public LoopbackGateway(UnaryOperator<Gateway.Builder> configure) throws InterruptedException, IOException {
    upstreamLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    upstreamChannel = new ServerBootstrap().group(upstreamLoop).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel channel) {
            channel.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024), new Answer());
          }
        })
        .bind("127.0.0.1", 0).sync().channel();
    int upstreamPort = ((InetSocketAddress) upstreamChannel.localAddress()).getPort();
    balancer = LoadBalancers.roundRobin().serviceName("bench")
        .endpointSource(EndpointSource.of(Endpoint.of("127.0.0.1", upstreamPort))).build();
    Route route = Route.builder("bench").pathPrefix("/").upstream(Upstream.of("bench", balancer)).build();
    gateway = configure.apply(Gateway.builder().bindAddress("127.0.0.1").port(0).workerThreads(1)
        .routes(List.of(route))).build().start();
    socket = new Socket("127.0.0.1", gateway.port());
    socket.setTcpNoDelay(true);
    out = socket.getOutputStream();
    in = socket.getInputStream();
  }

  /** The upstream: a fixed 200 with a small JSON body, kept alive. */
  private static final class Answer extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
          Unpooled.wrappedBuffer(BODY));
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
          .setInt(HttpHeaderNames.CONTENT_LENGTH, BODY.length);
      ctx.writeAndFlush(response);
    }
  }

  /**
   * Sends one request through the gateway and reads its whole response.
   *
   * @return the response's status
   * @throws UncheckedIOException if the connection fails or the response has no content-length
   */
  public int request() {
    try {
      out.write(REQUEST);
      out.flush();
      int filled = 0;
      int headEnd = -1;
      while (headEnd < 0) {
        int read = in.read(buffer, filled, buffer.length - filled);
        if (read < 0) {
          throw new IOException("the gateway closed the connection");
        }
        filled += read;
        headEnd = headEnd(filled);
      }
      int length = contentLength(headEnd);
      int total = headEnd + length;
      while (filled < total) {
        int read = in.read(buffer, filled, total - filled);
        if (read < 0) {
          throw new IOException("the gateway closed the connection mid-body");
        }
        filled += read;
      }
      // "HTTP/1.1 200": the status's three digits.
      return (buffer[9] - '0') * 100 + (buffer[10] - '0') * 10 + (buffer[11] - '0');
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The index just past the head's blank line, or -1 while it is not all read. */
  private int headEnd(int filled) {
    for (int i = 3; i < filled; i++) {
      if (buffer[i] == '\n' && buffer[i - 1] == '\r' && buffer[i - 2] == '\n' && buffer[i - 3] == '\r') {
        return i + 1;
      }
    }
    return -1;
  }

  private int contentLength(int headEnd) throws IOException {
    outer:
    for (int i = 0; i + CONTENT_LENGTH.length < headEnd; i++) {
      if (i > 0 && buffer[i - 1] != '\n') {
        continue;
      }
      for (int j = 0; j < CONTENT_LENGTH.length; j++) {
        if (Character.toLowerCase(buffer[i + j]) != CONTENT_LENGTH[j]) {
          continue outer;
        }
      }
      int value = 0;
      for (int k = i + CONTENT_LENGTH.length; k < headEnd; k++) {
        byte b = buffer[k];
        if (b >= '0' && b <= '9') {
          value = value * 10 + (b - '0');
        } else if (b != ' ') {
          return value;
        }
      }
    }
    throw new IOException("response without content-length: "
        + new String(buffer, 0, headEnd, StandardCharsets.US_ASCII));
  }

  @Override
  public void close() throws IOException {
    socket.close();
    gateway.close();
    balancer.close();
    upstreamChannel.close().syncUninterruptibly();
    upstreamLoop.shutdownGracefully().syncUninterruptibly();
  }
}
