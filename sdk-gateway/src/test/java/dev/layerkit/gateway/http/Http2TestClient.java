package dev.layerkit.gateway.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP/2 client for the gateway's tests, on Netty's own HTTP/2 codec (prior knowledge, no
 * TLS): one connection, a stream per request, responses aggregated. It also records the {@code
 * GOAWAY} the server sends.
 */
final class Http2TestClient implements AutoCloseable {

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel connection;
  final CompletableFuture<Http2GoAwayFrame> goAway = new CompletableFuture<>();

  Http2TestClient(int port) throws InterruptedException {
    this.connection = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel channel) {
            channel.pipeline()
                .addLast(Http2FrameCodecBuilder.forClient().build())
                .addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()))
                .addLast(new ChannelInboundHandlerAdapter() {
                  @Override
                  public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    if (msg instanceof Http2GoAwayFrame frame) {
                      goAway.complete((Http2GoAwayFrame) frame.retain());
                    }
                    ReferenceCountUtil.release(msg);
                  }

                  @Override
                  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    ctx.close(); // a server that is not HTTP/2, or a broken connection
                  }
                });
          }
        })
        .connect("127.0.0.1", port).sync().channel();
    // As browsers do: a connection window far larger than a stream's, so a stream that is not
    // read cannot stall the others by using up the connection's window.
    connection.writeAndFlush(new DefaultHttp2WindowUpdateFrame(16 * 1024 * 1024)).sync();
  }

  /** Sends a request on a new stream; the future ends with the whole response. */
  CompletableFuture<FullHttpResponse> send(HttpRequest request) {
    CompletableFuture<FullHttpResponse> answer = new CompletableFuture<>();
    openStream(new ChannelInitializer<Http2StreamChannel>() {
      @Override
      protected void initChannel(Http2StreamChannel stream) {
        stream.pipeline()
            .addLast(new Http2StreamFrameToHttpObjectCodec(false))
            .addLast(new HttpObjectAggregator(16 * 1024 * 1024))
            .addLast(new SimpleChannelInboundHandler<FullHttpResponse>() {
              @Override
              protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
                answer.complete(response.retainedDuplicate());
              }

              @Override
              public void channelInactive(ChannelHandlerContext ctx) {
                answer.completeExceptionally(new IllegalStateException("stream closed"));
              }

              @Override
              public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                answer.completeExceptionally(cause);
              }
            });
      }
    }).addListener(opened -> {
      if (!opened.isSuccess()) {
        answer.completeExceptionally(opened.cause());
        return;
      }
      Http2StreamChannel stream = (Http2StreamChannel) opened.getNow();
      stream.writeAndFlush(request);
    });
    return answer;
  }

  /** Opens a stream whose pipeline the caller gives. */
  io.netty.util.concurrent.Future<Http2StreamChannel> openStream(
      ChannelInitializer<Http2StreamChannel> handler) {
    return new Http2StreamChannelBootstrap(connection).handler(handler).open();
  }

  Channel connection() {
    return connection;
  }

  @Override
  public void close() {
    connection.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
