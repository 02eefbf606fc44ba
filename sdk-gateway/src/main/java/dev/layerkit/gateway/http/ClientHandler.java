package dev.layerkit.gateway.http;

import dev.layerkit.core.time.TimeSource;
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
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a client connection's pipeline: runs each request through the {@link
 * GatewayFilters} chain, whose end either answers it or hands it to an {@link Exchange}.
 *
 * <p>One request at a time per connection: the channel reads only when this handler asks ({@code
 * AUTO_READ} off), which is how request bodies get back-pressure. The connection's life is the
 * {@link State} machine below, one transition per event; what arrives while the state cannot take
 * it (a pipelined request while a response is still coming, a body while the filters run) is held
 * in order and replayed when the state allows.
 */
final class ClientHandler extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(ClientHandler.class);

  /** User event: the gateway is shutting down. */
  static final Object DRAIN = new Object();

  /**
   * Where the connection is in its current request. Transitions:
   *
   * <pre>
   * IDLE       --request head-->                     FILTERING
   * FILTERING  --chain forwards-->                   PROXYING
   * FILTERING  --chain answers, connection kept-->   DISCARDING
   * PROXYING   --exchange done, body not all read--> DISCARDING
   * PROXYING   --exchange done, request complete-->  IDLE
   * DISCARDING --last body part-->                   IDLE
   * any        --answer with Connection: close, drain while IDLE, broken response-->  CLOSING
   * PROXYING   --101 Switching Protocols-->          UPGRADED
   * </pre>
   */
  private enum State {
    /** Between requests: the next message is a request head; idle and header timeouts apply. */
    IDLE,
    /**
     * A head arrived and the filters run, perhaps asynchronously; anything read meanwhile is held
     * until the chain ends, since only its end knows where the body goes.
     */
    FILTERING,
    /**
     * An {@link Exchange} owns the request: body parts go to it. Once the client's request is
     * complete, what arrives next is a pipelined request and is held until the response is done.
     */
    PROXYING,
    /** The request was answered without forwarding: the rest of its body is read and dropped. */
    DISCARDING,
    /** A response that ends the connection was written, or it is closing: input is dropped. */
    CLOSING,
    /** The connection was handed to a byte relay; this handler is leaving the pipeline. */
    UPGRADED
  }

  private final Gateway gateway;
  private final UpstreamConnector connector;
  /** The connection's timeouts under HTTP/1.1; null on an HTTP/2 stream (its connection has its own). */
  private final @Nullable ClientTimeouts timeouts;
  private final TimeSource time;
  private final List<GatewayFilter> filters;
  private State state = State.IDLE;
  private @Nullable ChannelHandlerContext ctx;
  /** The request in the filters, while FILTERING. */
  private @Nullable FilterContext filtering;
  /** The request's exchange, while PROXYING. */
  private @Nullable Exchange exchange;
  private @Nullable ArrayDeque<Object> held;
  private @Nullable String clientIp;
  private @Nullable ScheduledFuture<?> responseCheck;
  private long responseCheckAt;
  /** Whether responses may be written as bytes ({@link #passesRawResponses}); set once begun. */
  private boolean rawResponses;
  /** Whether responses may be written as HTTP/2 frames ({@link #framesRawResponses}); set once begun. */
  private boolean http2Responses;

  ClientHandler(Gateway gateway, UpstreamConnector connector, @Nullable ClientTimeouts timeouts,
      List<GatewayFilter> filters) {
    this.filters = filters;
    this.gateway = gateway;
    this.connector = connector;
    this.timeouts = timeouts;
    this.time = gateway.settings().timeSource;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    // Added to a connection that is already up (after protocol detection or ALPN): no
    // channelActive will come, so start now.
    if (ctx.channel().isActive()) {
      begin(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    begin(ctx);
    ctx.fireChannelActive();
  }

  /** Starts reading the first request, once, however the handler learned the connection is up. */
  private void begin(ChannelHandlerContext ctx) {
    if (this.ctx == null) {
      this.ctx = ctx;
      ChannelPipeline pipeline = ctx.pipeline();
      boolean compressing = pipeline.get(GatewayCompressor.class) != null;
      rawResponses = pipeline.get(GatewayServerCodec.class) != null && !compressing;
      http2Responses = pipeline.get(Http2StreamFrameToHttpObjectCodec.class) != null
          && !compressing;
      ctx.read();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (mustHold()) {
      hold(msg);
      return;
    }
    dispatch(ctx, msg);
  }

  /** Whether a message read now has to wait: the filters run, or a pipelined request came. */
  private boolean mustHold() {
    Exchange current = exchange;
    return state == State.FILTERING
        || (state == State.PROXYING && current != null && current.requestComplete());
  }

  private void hold(Object msg) {
    ArrayDeque<Object> queue = held;
    if (queue == null) {
      queue = new ArrayDeque<>(2);
      held = queue;
    }
    queue.add(msg);
  }

  private void dispatch(ChannelHandlerContext ctx, Object msg) {
    if (state == State.CLOSING || state == State.UPGRADED) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpRequest request) {
      onRequest(ctx, request);
      if (msg instanceof HttpContent content) {
        channelRead(ctx, content);
      }
      return;
    }
    if (msg instanceof HttpContent content) {
      onContent(ctx, content);
      return;
    }
    ReferenceCountUtil.release(msg);
  }

  /** Replays held messages while the state takes them, then reads if nobody else will. */
  private void resume(ChannelHandlerContext ctx) {
    ArrayDeque<Object> queue = held;
    while (queue != null && !queue.isEmpty()) {
      if (mustHold() || !ctx.channel().isActive()) {
        return;
      }
      dispatch(ctx, queue.poll());
    }
    // While PROXYING the exchange reads as the upstream takes the body; FILTERING waits.
    if (state == State.IDLE || state == State.DISCARDING) {
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
        state = State.CLOSING;
        ctx.close();
      }
      return;
    }
    switch (state) {
      case PROXYING -> {
        if (current != null) {
          current.onClientContent(content);
          if (timeouts != null && exchange == current && current.mayReadAhead()) {
            // The request is all read: ask for the next read now rather than when the response
            // is done. The read stays pending, so the native transport's read interest stays
            // registered across the request: without this, epoll clears it after this read and
            // sets it again after the response, two epoll_ctl system calls per request. What
            // arrives before the response is done is a pipelined request and is held, one read
            // at most (the next read is asked for only when the held ones are replayed). Not on
            // HTTP/2 streams (timeouts null), whose connection reads by itself.
            ctx.read();
          }
        } else {
          content.release();
        }
      }
      case DISCARDING -> {
        content.release();
        if (content instanceof LastHttpContent) {
          awaitNextRequest(ctx); // DISCARDING -> IDLE (or CLOSING when draining)
        } else {
          ctx.read();
        }
      }
      default -> content.release(); // IDLE: the end of a request already answered
    }
  }

  private void onRequest(ChannelHandlerContext ctx, HttpRequest request) {
    ClientTimeouts clientTimeouts = timeouts;
    if (clientTimeouts != null) {
      clientTimeouts.requestHeadReceived();
    }
    long start = time.nanoTime();
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
    NettyGatewayRequest view = new NettyGatewayRequest(request, remote, requestId,
        TlsSession.clientCertificates(ctx.channel()));
    boolean keepAlive = HttpUtil.isKeepAlive(request) && !gateway.draining();
    boolean chunked = HttpUtil.isTransferEncodingChunked(request);
    long contentLength = chunked ? -1 : HttpUtil.getContentLength(request, 0L);
    boolean hasBody = chunked || contentLength > 0;
    FilterContext context = new FilterContext(this, ctx.executor(), filters,
        gateway, request, view, keepAlive, hasBody, contentLength, start);
    filtering = context;
    state = State.FILTERING; // IDLE -> FILTERING
    context.start();
  }

  /** Whether a request is still in the filters: false once answered, forwarded or closed. */
  boolean isFiltering(FilterContext context) {
    return state == State.FILTERING && filtering == context;
  }

  /** The chain answered the request without forwarding it. */
  void answer(FilterContext context, FullHttpResponse response) {
    ChannelHandlerContext channel = ctx;
    if (!isFiltering(context) || channel == null) {
      response.release();
      return;
    }
    filtering = null;
    context.observationEnded(response.status().code());
    gateway.accessLog().log(context, response.status().code(), response.content().readableBytes(),
        null, -1);
    RouteState route = context.routeIfMatched();
    if (route != null) {
      route.timer(response.status().code())
          .record(time.nanoTime() - context.startNanos, TimeUnit.NANOSECONDS);
    }
    if (HttpHeaderValues.CLOSE.contentEqualsIgnoreCase(
        response.headers().get(HttpHeaderNames.CONNECTION, ""))) {
      writeAndClose(channel, response); // FILTERING -> CLOSING
      return;
    }
    channel.writeAndFlush(response);
    state = State.DISCARDING; // FILTERING -> DISCARDING: the (empty) body's end is still to come
    if (!context.endingInline()) {
      resume(channel);
    }
  }

  /** The chain's end: the request goes to an upstream. */
  void forward(FilterContext context, Upstream upstream) {
    ChannelHandlerContext channel = ctx;
    if (!isFiltering(context) || channel == null) {
      return;
    }
    filtering = null;
    Exchange started = new Exchange(this, channel, connector, context, upstream);
    exchange = started;
    state = State.PROXYING; // FILTERING -> PROXYING
    started.start();
    if (!context.endingInline()) {
      resume(channel);
    }
  }

  /** Something failed after the request was answered or handed on: closing is all that is left. */
  void broken() {
    ChannelHandlerContext channel = ctx;
    state = State.CLOSING; // any -> CLOSING; channelInactive abandons the exchange, if any
    if (channel != null) {
      channel.close();
    }
  }

  private void writeAndClose(ChannelHandlerContext ctx, Object response) {
    exchange = null;
    filtering = null;
    state = State.CLOSING;
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }

  private void awaitNextRequest(ChannelHandlerContext ctx) {
    if (gateway.draining()) {
      state = State.CLOSING;
      ctx.close();
      return;
    }
    state = State.IDLE;
    ClientTimeouts clientTimeouts = timeouts;
    if (clientTimeouts != null) {
      clientTimeouts.awaitNextRequest();
    }
    resume(ctx);
  }

  // --- called by the exchange ------------------------------------------------------------------

  UpstreamConnector connector() {
    return connector;
  }

  /** The gateway's clock, for the exchange's latencies and deadlines. */
  TimeSource time() {
    return time;
  }

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
        Math.max(0, deadline - time.nanoTime()), TimeUnit.NANOSECONDS);
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
    if (time.nanoTime() - deadline >= 0) {
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

  /**
   * Whether this connection writes a response passed through as bytes ({@link RawResponseBytes}):
   * an HTTP/1.1 connection (its codec is the {@link GatewayServerCodec}) without a compressor,
   * which needs the decoded response to compress it.
   */
  boolean passesRawResponses() {
    return rawResponses;
  }

  /**
   * Whether a response passed through as bytes may be written to this client as HTTP/2 frames: on
   * an HTTP/2 stream (whose frames-to-objects codec lets frames pass) without a compressor.
   */
  boolean framesRawResponses() {
    return http2Responses;
  }

  boolean keepAliveAfter(Exchange finishing) {
    return finishing.clientKeepAlive() && !gateway.draining();
  }

  void exchangeDone(Exchange done, boolean close) {
    ChannelHandlerContext context = ctx;
    if (exchange != done || context == null) {
      return;
    }
    exchange = null;
    if (close || !keepAliveAfter(done)) {
      state = State.CLOSING; // PROXYING -> CLOSING
      context.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    } else if (!done.requestComplete()) {
      state = State.DISCARDING; // PROXYING -> DISCARDING: the upstream answered before the body ended
      context.read();
    } else {
      awaitNextRequest(context); // PROXYING -> IDLE
    }
  }

  /**
   * The exchange failed before its response started: answer with the gateway's error, a gRPC
   * status on a gRPC call ({@code grpcStatus}, or -1 for the one {@code status} maps to).
   */
  void exchangeFailed(Exchange failed, int status, int grpcStatus, String message,
      boolean close) {
    ChannelHandlerContext context = ctx;
    if (exchange != failed || context == null) {
      return;
    }
    exchange = null;
    boolean mustClose = close || !keepAliveAfter(failed);
    FullHttpResponse response = ErrorResponses.forRequest(context.alloc(), failed.grpc(), status,
        grpcStatus, message, failed.requestId(), mustClose);
    failed.logAccess(status, response.content().readableBytes());
    if (mustClose) {
      writeAndClose(context, response); // PROXYING -> CLOSING
    } else {
      context.writeAndFlush(response);
      if (failed.requestComplete()) {
        awaitNextRequest(context); // PROXYING -> IDLE
      } else {
        state = State.DISCARDING; // PROXYING -> DISCARDING
        context.read();
      }
    }
  }

  /** The response broke off mid-way: closing is the only way to tell the client. */
  void abort() {
    exchange = null;
    state = State.CLOSING; // PROXYING -> CLOSING
    ChannelHandlerContext context = ctx;
    if (context != null) {
      context.close();
    }
  }

  /** The upstream accepted an upgrade: relay bytes both ways from now on. */
  void upgrade(HttpResponse switching, Channel upstream) {
    ChannelHandlerContext context = ctx;
    exchange = null;
    state = State.UPGRADED; // PROXYING -> UPGRADED
    if (context == null) {
      upstream.close();
      return;
    }
    Channel client = context.channel();
    // The 101 is encoded now, by the codec still in place; the pipelines then switch to the relay
    // in this same event-loop turn, not when the write completes: on io_uring a write completes a
    // turn later, and bytes the endpoint sends right after its 101 would meanwhile reach the HTTP
    // codec and the detached UpstreamHandler, which closes the connection. The relays go in
    // before the codecs leave, so that bytes a codec read but did not decode are passed to them.
    context.writeAndFlush(switching).addListener(written -> {
      if (!written.isSuccess()) {
        upstream.close();
        client.close();
      }
    });
    ChannelPipeline clientPipeline = client.pipeline();
    clientPipeline.remove(ClientTimeouts.class);
    clientPipeline.remove("continue");
    if (clientPipeline.get("compress") != null) {
      clientPipeline.remove("compress");
    }
    clientPipeline.replace(this, "relay", new RelayHandler(upstream));
    clientPipeline.remove("http");
    ChannelPipeline upstreamPipeline = upstream.pipeline();
    upstreamPipeline.replace("upstream", "relay", new RelayHandler(client));
    upstreamPipeline.remove("http");
    client.config().setAutoRead(true);
    upstream.config().setAutoRead(true);
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
      // Only an idle connection closes now; a busy one closes after its response (keepAlive
      // reads gateway.draining()).
      if (state == State.IDLE) {
        state = State.CLOSING;
        ctx.close();
      }
      return;
    }
    ctx.fireUserEventTriggered(event);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    state = State.CLOSING;
    FilterContext unanswered = filtering;
    if (unanswered != null) {
      unanswered.observationEnded(0);
    }
    filtering = null;
    ScheduledFuture<?> pending = responseCheck;
    if (pending != null) {
      pending.cancel(false);
      responseCheck = null;
    }
    ArrayDeque<Object> queue = held;
    if (queue != null) {
      Object msg;
      while ((msg = queue.poll()) != null) {
        ReferenceCountUtil.release(msg);
      }
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
    LOG.debug("client connection {} failed", ctx.channel().remoteAddress(), cause);
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
