package dev.layerkit.gateway.http;

import dev.layerkit.core.time.TimeSource;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Cuts off idle keep-alive connections and clients that send their request head too slowly
 * (headers trickled byte by byte), in front of the HTTP decoder.
 *
 * <p>One periodic check per connection instead of a timer per request: a request then costs two
 * field writes, not two scheduled tasks. The price is up to a quarter of the timeout of lateness.
 */
final class ClientTimeouts extends ChannelInboundHandlerAdapter {

  private static final String TIMEOUT_BODY =
      "{\"status\":408,\"error\":\"Request Timeout\",\"message\":\"request head too slow\"}";
  private static final byte[] REQUEST_TIMEOUT = ("HTTP/1.1 408 Request Timeout\r\n"
      + "Content-Type: application/json\r\nConnection: close\r\nContent-Length: "
      + TIMEOUT_BODY.length() + "\r\n\r\n" + TIMEOUT_BODY).getBytes(StandardCharsets.US_ASCII);

  private enum Phase { IDLE, HEAD, BUSY }

  private final TimeSource time;
  private final long headerTimeoutNanos;
  private final long idleTimeoutNanos;
  private Phase phase = Phase.IDLE;
  private long phaseStartNanos;
  private @Nullable ScheduledFuture<?> check;

  ClientTimeouts(TimeSource time, long headerTimeoutNanos, long idleTimeoutNanos) {
    this.time = time;
    this.headerTimeoutNanos = headerTimeoutNanos;
    this.idleTimeoutNanos = idleTimeoutNanos;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      begin(ctx); // added after the connection came up (after TLS and ALPN, say)
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    begin(ctx);
    ctx.fireChannelActive();
  }

  /** Starts the periodic check, once. */
  private void begin(ChannelHandlerContext ctx) {
    if (check != null) {
      return;
    }
    phaseStartNanos = time.nanoTime();
    long period = Math.max(TimeUnit.MILLISECONDS.toNanos(20),
        Math.min(TimeUnit.SECONDS.toNanos(1), Math.min(headerTimeoutNanos, idleTimeoutNanos) / 4));
    check = ctx.executor().scheduleAtFixedRate(() -> check(ctx), period, period,
        TimeUnit.NANOSECONDS);
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

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (phase == Phase.IDLE) {
      phase = Phase.HEAD;
      phaseStartNanos = time.nanoTime();
    }
    ctx.fireChannelRead(msg);
  }

  /** The decoder produced a request head: no client timeout until the response is done. */
  void requestHeadReceived() {
    phase = Phase.BUSY;
  }

  /** The response is done and the connection waits for the next request. */
  void awaitNextRequest() {
    phase = Phase.IDLE;
    phaseStartNanos = time.nanoTime();
  }

  private void check(ChannelHandlerContext ctx) {
    long elapsed = time.nanoTime() - phaseStartNanos;
    if (phase == Phase.IDLE && elapsed >= idleTimeoutNanos) {
      cancel();
      ctx.close();
    } else if (phase == Phase.HEAD && elapsed >= headerTimeoutNanos) {
      cancel();
      ctx.writeAndFlush(Unpooled.wrappedBuffer(REQUEST_TIMEOUT))
          .addListener(ChannelFutureListener.CLOSE);
    }
  }

  private void cancel() {
    ScheduledFuture<?> scheduled = check;
    if (scheduled != null) {
      scheduled.cancel(false);
      check = null;
    }
  }
}
