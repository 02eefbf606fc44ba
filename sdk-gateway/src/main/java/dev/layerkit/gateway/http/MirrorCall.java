package dev.layerkit.gateway.http;

import dev.layerkit.core.time.TimeSource;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.LoadBalancer;
import dev.layerkit.gateway.lb.NoAvailableEndpointException;
import io.micrometer.core.instrument.Counter;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One copy of a request on its way to a {@link Mirror}'s shadow upstream: a connection of its
 * own (never pooled, never shared with the client's exchange) on the client's event loop, the
 * copy written once connected, every byte of the answer released as it arrives, and the
 * connection closed at the end of the answer, at the mirror's timeout or on any failure.
 *
 * <p>Nothing here reaches the client: the only state shared with the client's request is the
 * copied head, taken before the request goes on. The copy's end is counted once, on the
 * connection's close (which every path ends in), so the mirror's in-flight slot is always
 * given back.
 */
final class MirrorCall extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(MirrorCall.class);

  private final Mirror mirror;
  private final LoadBalancer balancer;
  private final Endpoint endpoint;
  private final FullHttpRequest copy;
  private final TimeSource time;
  private final Counter ok;
  private final Counter failed;
  private final long startNanos;
  private int status;
  private boolean ended;
  private @Nullable ScheduledFuture<?> timeout;

  private MirrorCall(Mirror mirror, Endpoint endpoint, FullHttpRequest copy, TimeSource time,
      Counter ok, Counter failed) {
    this.mirror = mirror;
    this.balancer = mirror.upstream().loadBalancer();
    this.endpoint = endpoint;
    this.copy = copy;
    this.time = time;
    this.ok = ok;
    this.failed = failed;
    this.startNanos = time.nanoTime();
  }

  /**
   * Sends a copy of a request without a body to the mirror's shadow, if it is sampled and a slot
   * is free. Runs on the client's event loop and returns at once.
   */
  static void send(FilterContext request, Mirror mirror, RouteState state, EventLoop loop,
      UpstreamConnector connector) {
    if (request.hasBody || !mirror.sample()) {
      return;
    }
    if (!mirror.tryStart()) {
      state.mirrorSkipped.increment();
      return;
    }
    Endpoint endpoint;
    try {
      endpoint = mirror.upstream().loadBalancer().pick(request.routingContext());
    } catch (NoAvailableEndpointException | IllegalArgumentException e) {
      // IllegalArgumentException: the shadow picks by a key and the route gives none.
      mirror.ended();
      state.mirrorFailed.increment();
      return;
    }
    HttpRequest head = request.request;
    FullHttpRequest copy = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, head.method(),
        state.route.rewrite(head.uri()), Unpooled.EMPTY_BUFFER);
    HttpHeaders headers = copy.headers();
    headers.set(head.headers());
    HopByHop.strip(headers);
    headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
    headers.remove(HttpHeaderNames.CONTENT_LENGTH);
    headers.remove(HttpHeaderNames.EXPECT);
    headers.set(ErrorResponses.REQUEST_ID, request.requestId());
    headers.set(Mirror.MIRRORED_HEADER, "true");
    state.route.requestHeaders().applyTo(headers);
    MirrorCall call = new MirrorCall(mirror, endpoint, copy, request.gateway.settings().timeSource,
        state.mirrorOk, state.mirrorFailed);
    Duration connectTimeout = mirror.timeout().compareTo(state.route.connectTimeout()) < 0
        ? mirror.timeout() : state.route.connectTimeout();
    ChannelFuture connect = connector.connectWith(loop, endpoint, connectTimeout, call);
    call.watch(connect, loop);
  }

  private void watch(ChannelFuture connect, EventLoop loop) {
    Channel channel = connect.channel();
    channel.closeFuture().addListener(closed -> end());
    timeout = loop.schedule(() -> {
      LOG.debug("mirror copy to {} of upstream '{}' timed out", endpoint,
          mirror.upstream().name());
      channel.close();
    }, mirror.timeout().toNanos(), TimeUnit.NANOSECONDS);
    connect.addListener(done -> {
      if (!done.isSuccess()) {
        LOG.debug("mirror copy cannot connect to {}", endpoint, done.cause());
        copy.release();
        channel.close();
        end();
        return;
      }
      channel.config().setAutoRead(true);
      channel.writeAndFlush(copy).addListener(written -> {
        if (!written.isSuccess()) {
          channel.close();
        }
      });
    });
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof HttpResponse response) {
        status = response.status().code();
      }
      if (msg instanceof LastHttpContent && status >= 200) {
        ctx.close();
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("mirror copy to {} failed", endpoint, cause);
    ctx.close();
  }

  /** Counts the copy's end once, whichever way it ended. Runs on the event loop. */
  private void end() {
    if (ended) {
      return;
    }
    ended = true;
    ScheduledFuture<?> pending = timeout;
    if (pending != null) {
      pending.cancel(false);
    }
    mirror.ended();
    boolean answered = status >= 200 && status < 500;
    balancer.onComplete(endpoint, time.nanoTime() - startNanos, answered);
    (answered ? ok : failed).increment();
    if (copy.refCnt() > 0) {
      ReferenceCountUtil.safeRelease(copy);
    }
  }
}
