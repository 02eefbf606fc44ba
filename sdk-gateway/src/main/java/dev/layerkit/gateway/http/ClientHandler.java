package dev.layerkit.gateway.http;

import dev.layerkit.gateway.ratelimit.RateLimitDecision;
import dev.layerkit.gateway.ratelimit.RateLimiter;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a client connection's pipeline: routes each request, runs the route's filters and
 * answers by itself or hands the request to an {@link Exchange}. One request at a time per
 * connection: the channel reads only when this handler asks ({@code AUTO_READ} off), which is how
 * request bodies get back-pressure; a pipelined request that arrives while a response is still
 * coming is held until that response is done.
 */
final class ClientHandler extends ChannelInboundHandlerAdapter {

  private static final Logger log = LoggerFactory.getLogger(ClientHandler.class);

  /** User event: the gateway is shutting down. */
  static final Object DRAIN = new Object();

  private final Gateway gateway;
  private final UpstreamConnector connector;
  private final ClientTimeouts timeouts;
  private @Nullable ChannelHandlerContext ctx;
  private @Nullable Exchange exchange;
  private boolean discarding;
  private @Nullable ArrayDeque<Object> backlog;
  private @Nullable String clientIp;
  private @Nullable ScheduledFuture<?> responseCheck;
  private long responseCheckAt;
  private boolean closeAfterResponse;

  ClientHandler(Gateway gateway, UpstreamConnector connector, ClientTimeouts timeouts) {
    this.gateway = gateway;
    this.connector = connector;
    this.timeouts = timeouts;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    ctx.read();
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Exchange current = exchange;
    if (current != null && current.requestComplete()) {
      // A pipelined request: it waits until the current response is done.
      if (backlog == null) {
        backlog = new ArrayDeque<>(2);
      }
      backlog.add(msg);
      return;
    }
    dispatch(ctx, msg);
  }

  private void dispatch(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request) {
      onRequest(ctx, request);
      if (msg instanceof HttpContent content) {
        onContent(ctx, content);
      }
      return;
    }
    if (msg instanceof HttpContent content) {
      onContent(ctx, content);
      return;
    }
    ReferenceCountUtil.release(msg);
  }

  /** Goes on with held pipelined messages, or reads when there are none. */
  private void resume(ChannelHandlerContext ctx) {
    ArrayDeque<Object> held = backlog;
    while (held != null && !held.isEmpty()) {
      Exchange current = exchange;
      if ((current != null && current.requestComplete()) || !ctx.channel().isActive()) {
        return;
      }
      dispatch(ctx, held.poll());
    }
    if (exchange == null) {
      ctx.read();
    }
  }

  private void onContent(ChannelHandlerContext ctx, HttpContent content) {
    Exchange current = exchange;
    if (content.decoderResult().isFailure()) {
      content.release();
      if (current != null) {
        current.clientClosed();
        exchange = null;
      }
      if (current == null || !current.requestComplete()) {
        gateway.metrics().badRequest();
        writeAndClose(ctx, ErrorResponses.json(ctx.alloc(), 400, "malformed request body",
            current == null ? RequestIds.generate() : current.requestId(), true));
      } else {
        ctx.close();
      }
      return;
    }
    if (current != null) {
      current.onClientContent(content);
      return;
    }
    content.release();
    if (discarding && content instanceof LastHttpContent) {
      discarding = false;
      awaitNextRequest(ctx);
    } else if (discarding) {
      ctx.read();
    }
  }

  private void onRequest(ChannelHandlerContext ctx, HttpRequest request) {
    timeouts.requestHeadReceived();
    long start = System.nanoTime();
    if (request.decoderResult().isFailure()) {
      gateway.metrics().badRequest();
      Throwable cause = request.decoderResult().cause();
      int status = cause instanceof TooLongHttpHeaderException ? 431
          : cause instanceof TooLongHttpLineException ? 414
          : cause instanceof TooLongFrameException ? 431 : 400;
      String message = status == 431 ? "request headers too large"
          : status == 414 ? "request line too long" : "malformed request";
      writeAndClose(ctx, ErrorResponses.json(ctx.alloc(), status, message, RequestIds.generate(),
          true));
      return;
    }
    HttpHeaders headers = request.headers();
    String sentId = headers.get(ErrorResponses.REQUEST_ID);
    String requestId = sentId != null && RequestIds.isValid(sentId) ? sentId : RequestIds.generate();
    InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
    NettyGatewayRequest view = new NettyGatewayRequest(request, remote, requestId);
    boolean keepAlive = HttpUtil.isKeepAlive(request) && !closeAfterResponse && !gateway.draining();
    boolean chunked = HttpUtil.isTransferEncodingChunked(request);
    long contentLength = chunked ? -1 : HttpUtil.getContentLength(request, 0L);
    boolean hasBody = chunked || contentLength > 0;

    RouteState state = gateway.routeTable().match(view);
    if (state == null) {
      gateway.metrics().noRoute();
      reject(ctx, null, start, ErrorResponses.json(ctx.alloc(), 404,
          "no route for " + request.method() + " " + view.path(), requestId, hasBody || !keepAlive));
      return;
    }
    Route route = state.route;
    if (contentLength > gateway.settings().maxBodySize) {
      reject(ctx, state, start, ErrorResponses.json(ctx.alloc(), 413, "request body of "
          + contentLength + " bytes is larger than " + gateway.settings().maxBodySize, requestId,
          true));
      return;
    }

    Cors cors = state.cors;
    Map<String, String> corsHeaders = Map.of();
    if (cors != null) {
      if (cors.isPreflight(view)) {
        FullHttpResponse preflight = cors.preflight(view, requestId);
        if (preflight.status().code() == 204) {
          preflight.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        }
        reject(ctx, state, start, closeIf(preflight, hasBody || !keepAlive));
        return;
      }
      corsHeaders = cors.responseHeaders(view);
    }

    AuthResult auth;
    try {
      auth = route.auth().authenticate(view);
    } catch (RuntimeException e) {
      log.warn("auth of route {} failed for request {}", route.id(), requestId, e);
      reject(ctx, state, start, ErrorResponses.json(ctx.alloc(), 500,
          "authentication failed unexpectedly", requestId, hasBody || !keepAlive));
      return;
    }
    if (!auth.authenticated()) {
      FullHttpResponse response = ErrorResponses.json(ctx.alloc(), auth.status(), auth.message(),
          requestId, hasBody || !keepAlive);
      String challenge = auth.challenge();
      if (challenge != null) {
        response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, challenge);
      }
      reject(ctx, state, start, withHeaders(response, corsHeaders));
      return;
    }

    RateLimiter limiter = route.rateLimiter();
    if (limiter != null) {
      RateLimitDecision decision;
      try {
        decision = limiter.tryAcquire(route.keyResolver().resolve(view, auth.principal()));
      } catch (RuntimeException e) {
        log.warn("rate limiter of route {} failed for request {}", route.id(), requestId, e);
        reject(ctx, state, start, ErrorResponses.json(ctx.alloc(), 503,
            "rate limiter unavailable", requestId, hasBody || !keepAlive));
        return;
      }
      if (!decision.allowed()) {
        state.rateLimited.increment();
        FullHttpResponse response = ErrorResponses.json(ctx.alloc(), 429, "rate limit exceeded",
            requestId, hasBody || !keepAlive);
        long retryAfterSeconds = decision.retryAfterNanos() == Long.MAX_VALUE ? -1
            : Math.max(1, (decision.retryAfterNanos() + 999_999_999L) / 1_000_000_000L);
        HttpHeaders out = response.headers();
        if (retryAfterSeconds > 0) {
          out.set(HttpHeaderNames.RETRY_AFTER, retryAfterSeconds);
          out.set(RateLimitHeaders.RESET, retryAfterSeconds);
        }
        out.set(RateLimitHeaders.LIMIT, decision.limit());
        out.set(RateLimitHeaders.REMAINING, decision.remaining());
        reject(ctx, state, start, withHeaders(response, corsHeaders));
        return;
      }
    }

    StaticFiles files = route.staticFiles();
    if (files != null) {
      reject(ctx, state, start, withHeaders(
          files.respond(request, route.rewrite(view.path()), requestId, hasBody || !keepAlive),
          corsHeaders));
      return;
    }

    ResponseCache cache = route.responseCache();
    ResponseCache.Capture capture = null;
    if (cache != null && request.method() == HttpMethod.GET) {
      FullHttpResponse cached = cache.lookup(request, view, requestId);
      if (cached != null) {
        reject(ctx, state, start, withHeaders(closeIf(cached, hasBody || !keepAlive), corsHeaders));
        return;
      }
      capture = cache.capture(request, view);
    }

    Upstream upstream = route.upstream();
    if (upstream == null) {
      reject(ctx, state, start, ErrorResponses.json(ctx.alloc(), 500, "route has no target",
          requestId, true));
      return;
    }
    Exchange started = new Exchange(this, ctx, gateway, connector, state, upstream, request,
        requestId, keepAlive, hasBody, start, capture, corsHeaders);
    exchange = started;
    started.start();
  }

  private static FullHttpResponse closeIf(FullHttpResponse response, boolean close) {
    if (close) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    return response;
  }

  private static FullHttpResponse withHeaders(FullHttpResponse response, Map<String, String> extra) {
    if (!extra.isEmpty()) {
      for (Map.Entry<String, String> header : extra.entrySet()) {
        response.headers().set(header.getKey(), header.getValue());
      }
    }
    return response;
  }

  /** Answers a request without forwarding it. */
  private void reject(ChannelHandlerContext ctx, @Nullable RouteState state, long start,
      FullHttpResponse response) {
    if (state != null) {
      state.timer(response.status().code()).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
    if (HttpHeaderValues.CLOSE.contentEqualsIgnoreCase(
        response.headers().get(HttpHeaderNames.CONNECTION, ""))) {
      writeAndClose(ctx, response);
      return;
    }
    ctx.writeAndFlush(response);
    discarding = true;
  }

  private void writeAndClose(ChannelHandlerContext ctx, Object response) {
    exchange = null;
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }

  private void awaitNextRequest(ChannelHandlerContext ctx) {
    if (closeAfterResponse || gateway.draining()) {
      ctx.close();
      return;
    }
    timeouts.awaitNextRequest();
    resume(ctx);
  }

  // --- called by the exchange ------------------------------------------------------------------

  /**
   * Makes sure a check runs by {@code deadline}. One task per connection, re-armed when it fires,
   * rather than a timer per request: on a keep-alive connection the pending task of an earlier
   * request is reused, so a request usually schedules nothing.
   */
  void armResponseCheck(long deadline) {
    ChannelHandlerContext context = ctx;
    if (context == null) {
      return;
    }
    ScheduledFuture<?> pending = responseCheck;
    if (pending != null && responseCheckAt - deadline <= 0) {
      return;
    }
    if (pending != null) {
      pending.cancel(false);
    }
    responseCheckAt = deadline;
    responseCheck = context.executor().schedule(this::checkResponse,
        Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  private void checkResponse() {
    responseCheck = null;
    Exchange current = exchange;
    if (current == null) {
      return;
    }
    long deadline = current.responseDeadline();
    if (deadline == 0) {
      return;
    }
    if (System.nanoTime() - deadline >= 0) {
      current.responseTimedOut();
    } else {
      armResponseCheck(deadline);
    }
  }

  /** The peer's IP address as text, computed once per connection for X-Forwarded-For. */
  String clientIp() {
    String ip = clientIp;
    if (ip == null) {
      ChannelHandlerContext context = ctx;
      InetSocketAddress remote = context == null ? null : (InetSocketAddress) context.channel().remoteAddress();
      ip = remote == null ? "unknown" : remote.getAddress().getHostAddress();
      clientIp = ip;
    }
    return ip;
  }

  void readMore() {
    ChannelHandlerContext context = ctx;
    if (context != null) {
      context.read();
    }
  }

  boolean keepAliveAfter(Exchange finishing) {
    return finishing.clientKeepAlive() && !closeAfterResponse && !gateway.draining();
  }

  void exchangeDone(Exchange done, boolean close) {
    ChannelHandlerContext context = ctx;
    if (exchange != done || context == null) {
      return;
    }
    exchange = null;
    if (close || !keepAliveAfter(done)) {
      context.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    } else if (!done.requestComplete()) {
      discarding = true;
      context.read();
    } else {
      awaitNextRequest(context);
    }
  }

  void exchangeFailed(Exchange failed, int status, String message, boolean close) {
    ChannelHandlerContext context = ctx;
    if (exchange != failed || context == null) {
      return;
    }
    exchange = null;
    boolean mustClose = close || !keepAliveAfter(failed);
    FullHttpResponse response =
        ErrorResponses.json(context.alloc(), status, message, failed.requestId(), mustClose);
    if (mustClose) {
      writeAndClose(context, response);
    } else {
      context.writeAndFlush(response);
      if (failed.requestComplete()) {
        awaitNextRequest(context);
      } else {
        discarding = true;
        context.read();
      }
    }
  }

  /** The response broke off mid-way: closing is the only way to tell the client. */
  void abort() {
    exchange = null;
    ChannelHandlerContext context = ctx;
    if (context != null) {
      context.close();
    }
  }

  /** The upstream accepted an upgrade: relay bytes both ways from now on. */
  void upgrade(HttpResponse switching, Channel upstream) {
    ChannelHandlerContext context = ctx;
    exchange = null;
    if (context == null) {
      upstream.close();
      return;
    }
    Channel client = context.channel();
    context.writeAndFlush(switching).addListener(written -> {
      if (!written.isSuccess()) {
        upstream.close();
        return;
      }
      ChannelPipeline clientPipeline = client.pipeline();
      clientPipeline.remove(ClientTimeouts.class);
      clientPipeline.remove("continue");
      clientPipeline.remove("http");
      clientPipeline.replace(this, "relay", new RelayHandler(upstream));
      ChannelPipeline upstreamPipeline = upstream.pipeline();
      upstreamPipeline.remove("http");
      upstreamPipeline.replace("upstream", "relay", new RelayHandler(client));
      client.config().setAutoRead(true);
      upstream.config().setAutoRead(true);
    });
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    Exchange current = exchange;
    if (current != null && ctx.channel().isWritable()) {
      current.clientWritable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event == DRAIN) {
      closeAfterResponse = true;
      if (exchange == null && !discarding) {
        ctx.close();
      }
      return;
    }
    ctx.fireUserEventTriggered(event);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    ScheduledFuture<?> pending = responseCheck;
    if (pending != null) {
      pending.cancel(false);
      responseCheck = null;
    }
    Exchange current = exchange;
    exchange = null;
    if (current != null) {
      current.clientClosed();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Resets and broken pipes are the client's business; log them quietly.
    log.debug("client connection {} failed", ctx.channel().remoteAddress(), cause);
    ctx.close();
  }

  /** Used by the initializer to refuse connections beyond the limit. */
  static FullHttpResponse tooManyConnections() {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        HttpResponseStatus.SERVICE_UNAVAILABLE, Unpooled.EMPTY_BUFFER);
    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
    return response;
  }
}
