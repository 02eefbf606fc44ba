package dev.layerkit.gateway.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Settings;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An HTTP/2 peer that writes whatever frames a test asks for, valid or not, with Netty's own
 * frame writer (and raw bytes where even that refuses), and reads the server's frames with Netty's
 * frame reader into a queue of events: {@code "GOAWAY <code>"}, {@code "RST <stream> <code>"},
 * {@code "HEADERS <stream> <status>"}. The attacker of the HTTP/2 abuse tests.
 */
final class RawHttp2Client implements AutoCloseable {

  final BlockingQueue<String> events = new LinkedBlockingQueue<>();
  /** Every event {@link #await} took from the queue, for failure messages. */
  final List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
  final CompletableFuture<Void> closed = new CompletableFuture<>();
  /** The encoded header block of every HEADERS frame read, in order, before it is decoded. */
  final BlockingQueue<byte[]> headerBlocks = new LinkedBlockingQueue<>();
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final DefaultHttp2FrameWriter writer = new DefaultHttp2FrameWriter();
  private final Channel channel;

  RawHttp2Client(int port) throws Exception {
    channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new FrameDecoder());
          }
        })
        .connect("127.0.0.1", port).sync().channel();
    channel.closeFuture().addListener(f -> closed.complete(null));
    onLoop(ctx -> {
      ctx.write(Http2CodecUtil.connectionPrefaceBuf());
      writer.writeSettings(ctx, new Http2Settings(), ctx.newPromise());
    });
  }

  static Http2Headers get(String path) {
    return new DefaultHttp2Headers().method("GET").path(path).scheme("http")
        .authority("gateway.test");
  }

  /** Runs writes on the connection's thread with its context, then flushes. */
  void onLoop(Consumer<ChannelHandlerContext> writes) throws Exception {
    channel.eventLoop().submit(() -> {
      ChannelHandlerContext ctx = channel.pipeline().firstContext();
      if (ctx == null || !channel.isActive()) {
        return; // the server closed the connection: nothing more reaches it
      }
      writes.accept(ctx);
      ctx.flush();
    }).get(10, TimeUnit.SECONDS);
  }

  void headers(int streamId, Http2Headers headers, boolean endStream) throws Exception {
    onLoop(ctx -> writer.writeHeaders(ctx, streamId, headers, 0, endStream, ctx.newPromise()));
  }

  void reset(int streamId, Http2Error error) throws Exception {
    onLoop(ctx -> writer.writeRstStream(ctx, streamId, error.code(), ctx.newPromise()));
  }

  /** Writes raw bytes: for frames the writer would refuse to produce. */
  void raw(ByteBuf bytes) throws Exception {
    onLoop(ctx -> ctx.write(bytes));
  }

  /** Waits for an event that starts with {@code prefix}; returns it, or null after the timeout. */
  String await(String prefix, long seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      String event = events.poll(left, TimeUnit.NANOSECONDS);
      if (event != null) {
        seen.add(event);
      }
      if (event != null && event.startsWith(prefix)) {
        return event;
      }
    }
    return null;
  }

  boolean isOpen() {
    return channel.isActive();
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  /** Netty's header decoder, keeping each block's bytes in {@link #headerBlocks} first. */
  private final class Recording implements Http2HeadersDecoder {
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(true);

    @Override
    public Http2Headers decodeHeaders(int streamId, ByteBuf headerBlock) throws Http2Exception {
      headerBlocks.add(ByteBufUtil.getBytes(headerBlock));
      return decoder.decodeHeaders(streamId, headerBlock);
    }

    @Override
    public Http2HeadersDecoder.Configuration configuration() {
      return decoder.configuration();
    }
  }

  private final class FrameDecoder extends ByteToMessageDecoder {
    private final DefaultHttp2FrameReader reader = new DefaultHttp2FrameReader(new Recording());

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out)
        throws Http2Exception {
      reader.readFrame(ctx, in, new Http2FrameAdapter() {
        @Override
        public void onSettingsRead(ChannelHandlerContext c, Http2Settings settings) {
          writer.writeSettingsAck(c, c.newPromise());
          c.flush();
          events.add("SETTINGS " + settings);
        }

        @Override
        public void onGoAwayRead(ChannelHandlerContext c, int lastStreamId, long errorCode,
            ByteBuf debugData) {
          events.add("GOAWAY " + Http2Error.valueOf(errorCode));
        }

        @Override
        public void onRstStreamRead(ChannelHandlerContext c, int streamId, long errorCode) {
          events.add("RST " + streamId + " " + Http2Error.valueOf(errorCode));
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext c, int streamId, Http2Headers headers,
            int padding, boolean endOfStream) {
          events.add("HEADERS " + streamId + " " + headers.status());
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext c, int streamId, Http2Headers headers,
            int streamDependency, short weight, boolean exclusive, int padding,
            boolean endOfStream) {
          onHeadersRead(c, streamId, headers, padding, endOfStream);
        }
      });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      events.add("ERROR " + cause);
      ctx.close();
    }
  }
}
