package dev.layerkit.gateway.http;

import io.micrometer.core.instrument.Counter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of an HTTP/2 connection's own pipeline (its streams have theirs): closes the connection
 * after {@code idleTimeout} without an open stream, closes it gracefully ({@code GOAWAY}, open
 * streams finish) when the gateway drains, and counts the protocol errors the frame codec
 * answered ({@code layerkit.gateway.http2.errors}, tagged by HTTP/2 error code), logging them at
 * DEBUG only: a client that floods the gateway with bad frames must not flood its log.
 */
final class Http2ConnectionGuard extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(Http2ConnectionGuard.class);

  private final Gateway gateway;
  private final Http2FrameCodec codec;
  private final long idleTimeoutNanos;
  private final Map<Http2Error, Counter> errors = new EnumMap<>(Http2Error.class);
  private long lastBusyNanos;
  private @Nullable ScheduledFuture<?> check;

  Http2ConnectionGuard(Gateway gateway, Http2FrameCodec codec) {
    this.gateway = gateway;
    this.codec = codec;
    this.idleTimeoutNanos = gateway.settings().idleTimeout.toNanos();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      begin(ctx); // added after the connection came up (protocol detection, ALPN)
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    begin(ctx);
    ctx.fireChannelActive();
  }

  /** Opens the connection window and starts the idle check, once. */
  private void begin(ChannelHandlerContext ctx) {
    if (check != null) {
      return;
    }
    // The protocol starts every connection with a 64 KiB window for all its streams together: one
    // stream whose upstream is slow would use it up and stall the rest. Open it to the limit.
    int extra = gateway.settings().http2Limits.connectionWindowSize()
        - Http2CodecUtil.DEFAULT_WINDOW_SIZE;
    if (extra > 0) {
      ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(extra));
    }
    lastBusyNanos = gateway.settings().timeSource.nanoTime();
    long period = Math.max(TimeUnit.MILLISECONDS.toNanos(20),
        Math.min(TimeUnit.SECONDS.toNanos(1), idleTimeoutNanos / 4));
    check = ctx.executor().scheduleAtFixedRate(() -> checkIdle(ctx), period, period,
        TimeUnit.NANOSECONDS);
  }

  private void checkIdle(ChannelHandlerContext ctx) {
    long now = gateway.settings().timeSource.nanoTime();
    if (codec.connection().numActiveStreams() > 0) {
      lastBusyNanos = now;
    } else if (now - lastBusyNanos >= idleTimeoutNanos) {
      cancel();
      ctx.close(); // GOAWAY(NO_ERROR), then the connection closes
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event == ClientHandler.DRAIN) {
      // The codec's close is graceful: GOAWAY, then the open streams finish (up to the
      // shutdown timeout) before the connection closes.
      ctx.close();
      return;
    }
    ctx.fireUserEventTriggered(event);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Http2Exception http2 = cause instanceof Http2Exception e ? e
        : cause.getCause() instanceof Http2Exception e ? e : null;
    Http2Error code = http2 == null ? Http2Error.INTERNAL_ERROR : http2.error();
    errors.computeIfAbsent(code, c -> gateway.metrics().http2Error(c.name())).increment();
    LOG.debug("HTTP/2 connection {} failed ({})", ctx.channel().remoteAddress(), code, cause);
    if (http2 == null) {
      ctx.close();
    }
    // A protocol error was answered by the codec already (GOAWAY or RST_STREAM).
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancel();
  }

  private void cancel() {
    ScheduledFuture<?> scheduled = check;
    if (scheduled != null) {
      scheduled.cancel(false);
      check = null;
    }
  }
}
