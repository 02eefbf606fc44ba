package dev.layerkit.gateway.http;

import dev.layerkit.core.hash.Hashing;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.gateway.lb.Endpoint;
import dev.layerkit.gateway.lb.LoadBalancer;
import dev.layerkit.gateway.lb.NoAvailableEndpointException;
import dev.layerkit.gateway.lb.RequestContext;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.observation.Observation;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One proxied request: picks an endpoint, streams the request to it and the response back,
 * retries on another endpoint when that is safe, and reports the outcome to the balancer, the
 * endpoint's circuit breaker and the meters. Runs only on the client connection's event loop
 * (pooled upstream connections are on the same loop).
 *
 * <p>Its life is the {@link State} machine below; every event first looks at the state, so an
 * event that comes late (a connect that completes after the client left, bytes after a failure)
 * is dropped in one place. The client's side moves on its own: its body ends whenever the client
 * sends the last part, in any state, which {@link #requestComplete} records.
 *
 * <p>To an {@link Upstream.Protocol#HTTP_2} upstream the "connection" is a stream of a shared
 * connection ({@link Http2Connections}) that speaks the same HTTP objects, so the states are the
 * same; the stream is closed, not pooled, at the end. On a gRPC call ({@link #grpc}) the
 * client's {@code grpc-timeout} is a deadline over the whole exchange, checked beside the
 * response timeout, and the gateway's own failures are gRPC statuses.
 */
final class Exchange implements GenericFutureListener<Future<Channel>> {

  private static final UpstreamStatusException SERVER_ERROR = new UpstreamStatusException();
  private static final int MAX_DISTINCT_PICKS = 3;

  /**
   * Transitions:
   *
   * <pre>
   * CONNECTING --head written to a connection-->            SENT
   * SENT       --1xx interim response head-->               INTERIM
   * INTERIM    --end of the interim response-->             SENT
   * SENT       --response head-->                           RESPONDING
   * SENT       --connection lost, retry allowed-->          CONNECTING
   * CONNECTING --connect failed, retry allowed-->           CONNECTING
   * RESPONDING --last response part-->                      DONE
   * RESPONDING --gRPC deadline, upstream lost (gRPC)-->     DONE, trailers with the status
   * any        --failure, timeout, client gone, upgrade-->  DONE
   * </pre>
   */
  private enum State {
    /**
     * An endpoint is being picked and a connection opened or taken from the pool; body parts
     * that arrive meanwhile queue in {@link #pending}.
     */
    CONNECTING,
    /**
     * The head went to the endpoint and the body follows as the client sends it; the response
     * head is awaited, under the response timeout once the whole request is sent.
     */
    SENT,
    /** A 1xx interim response is being dropped up to its end; the real response follows. */
    INTERIM,
    /** The response head went to the client; the body streams back. */
    RESPONDING,
    /**
     * Over: completed, failed, timed out, broken off, upgraded or abandoned by the client. The
     * counters were ended on entering it, exactly once; every later event is dropped.
     */
    DONE
  }

  private final ClientHandler client;
  private final ChannelHandlerContext clientCtx;
  private final Gateway gateway;
  private final TimeSource time;
  private final UpstreamConnector connector;
  private final RouteState routeState;
  private final Route route;
  private final Upstream upstream;
  private final LoadBalancer balancer;
  private final HttpRequest request;
  private final String requestId;
  private final boolean clientKeepAlive;
  private final boolean hasBody;
  private final long maxBodySize;
  private final boolean idempotent;
  private final long startNanos;
  private final @Nullable ResponseCache.Capture cacheCapture;
  private final Map<String, String> extraResponseHeaders;
  private final FilterContext filtered;
  private final boolean http2;
  /** Whether this is a gRPC call: errors are gRPC statuses, {@code grpc-timeout} applies. */
  private final boolean grpc;
  /**
   * Whether a plain HTTP/1.1 response may pass to the client as bytes ({@link
   * UpstreamResponseReader}, {@link ResponseHeadWriter}) rather than decoded and encoded again:
   * an HTTP/1.1 upstream, an HTTP/1.1 client or an HTTP/2 stream ({@link #framesRawResponses}), no
   * compressor on the client connection, no cache capture, no gRPC. An upgrade request is
   * decided in {@link #send}.
   */
  private final boolean passThrough;
  /**
   * Whether a response passed through goes to an HTTP/2 stream, as a HEADERS frame made from the
   * upstream's head and DATA frames of its body (which then has a known length or none).
   */
  private final boolean framesRawResponses;
  /** The gRPC call's deadline from {@code grpc-timeout}, in time source nanos; 0 without one. */
  private final long callDeadline;
  /** The key of the connection pool of the current endpoint (HTTP/1.1). */
  private @Nullable String poolKey;
  /** What the balancer picks with: the route's routing key, taken before the head is rewritten. */
  private final RequestContext routing;
  /**
   * The client's headers when the upstream head is written from their bytes ({@link
   * RequestHeadWriter}) rather than encoded from the request: set by {@link #prepareHead} for a
   * scanned, untouched request to an HTTP/1.1 upstream, without gRPC or tracing (whose headers
   * are set on the request as it is sent).
   */
  private @Nullable ScannedRequestHeaders rawHead;
  /** The rewritten target of a request whose head is written from bytes. */
  private String rawUri = "";
  /** Response body bytes sent to the client, for the access log. */
  private long responseBytes;
  /** The endpoint of the last attempt (kept after a failure forgets {@link #endpoint}). */
  private @Nullable Endpoint lastEndpoint;

  private State state = State.CONNECTING;
  /** The client's side: whether its request's last part has arrived (in any state). */
  private boolean requestComplete;
  /** Whether the request asks for a WebSocket upgrade, passed on to the endpoint. */
  private boolean upgrading;
  private @Nullable ArrayDeque<HttpContent> pending;
  private long bodyBytes;

  private @Nullable Endpoint endpoint;
  private @Nullable Endpoint previousEndpoint;
  private @Nullable CircuitBreaker breaker;
  private long attemptStartNanos;
  private @Nullable Channel upstreamChannel;
  private @Nullable UpstreamHandler upstreamHandler;
  /** The current try's client observation ({@link GatewayObservations#UPSTREAM}), else NOOP. */
  private Observation upstreamTry = Observation.NOOP;
  /** Attempts made; from the second on, the exchange holds a token of the retry budget. */
  private int attempts;

  private int status;
  private boolean upstreamKeepAlive;
  /** When the response headers are due, in the time source's nanos; 0 while not waiting. */
  private long responseDeadline;

  Exchange(ClientHandler client, ChannelHandlerContext clientCtx, UpstreamConnector connector,
      FilterContext filtered, Upstream upstream) {
    this.client = client;
    this.clientCtx = clientCtx;
    this.gateway = filtered.gateway;
    this.time = client.time();
    this.connector = connector;
    this.routeState = filtered.route();
    this.route = routeState.route;
    this.upstream = upstream;
    this.balancer = upstream.loadBalancer();
    this.request = filtered.request;
    this.requestId = filtered.requestId();
    this.clientKeepAlive = filtered.keepAlive;
    this.hasBody = filtered.hasBody;
    this.maxBodySize = filtered.maxBodySize();
    this.idempotent = Route.isIdempotent(request.method().name());
    this.startNanos = filtered.startNanos;
    this.cacheCapture = filtered.cacheCapture();
    // First: a sticky routing cookie the request is given joins the response headers.
    this.routing = filtered.routingContext();
    this.extraResponseHeaders = filtered.responseHeaders();
    this.filtered = filtered;
    this.http2 = upstream.protocol() == Upstream.Protocol.HTTP_2;
    this.grpc = filtered.grpc();
    this.framesRawResponses = client.framesRawResponses();
    this.passThrough = !http2 && !grpc && cacheCapture == null
        && (client.passesRawResponses() || framesRawResponses)
        && HttpVersion.HTTP_1_1.equals(request.protocolVersion());
    long timeout = grpc ? Grpc.parseTimeoutNanos(request.headers().get(Grpc.TIMEOUT)) : -1;
    // A deadline of 0 would read as "none": nudge it by a nanosecond.
    long deadline = timeout < 0 ? 0 : startNanos + timeout;
    this.callDeadline = timeout >= 0 && deadline == 0 ? 1 : deadline;
  }

  boolean grpc() {
    return grpc;
  }

  /** Writes the request's access-log line, if the log is on. */
  void logAccess(int finalStatus, long bytes) {
    filtered.observationEnded(finalStatus);
    AccessLog log = gateway.accessLog();
    if (log.on()) {
      log.log(filtered, finalStatus, bytes, lastEndpoint,
          attempts == 0 || lastEndpoint == null ? -1 : time.nanoTime() - attemptStartNanos);
    }
  }

  boolean clientKeepAlive() {
    return clientKeepAlive;
  }

  boolean requestComplete() {
    return requestComplete;
  }

  /**
   * Whether the client connection may read on while this exchange runs: its request is all read
   * and is not an upgrade (whose bytes after the head belong to the relay, not to HTTP).
   */
  boolean mayReadAhead() {
    return requestComplete && !upgrading && state != State.DONE;
  }

  String requestId() {
    return requestId;
  }

  /** Rewrites the request head for the upstream and makes the first attempt. */
  void start() {
    gateway.requestStarted();
    upstream.requestStarted();
    prepareHead();
    if (callDeadline != 0) {
      client.armResponseCheck(callDeadline);
    }
    attempt();
  }

  private void prepareHead() {
    String uri = route.rewrite(request.uri());
    if (!http2 && !grpc && request.headers() instanceof ScannedRequestHeaders scanned
        && scanned.untouched() && gateway.observations().off() && !uri.isEmpty()
        && uri.charAt(0) == '/') {
      // The same head as below, written from the client's bytes in send().
      rawHead = scanned;
      rawUri = uri;
      return;
    }
    request.setProtocolVersion(HttpVersion.HTTP_1_1);
    request.setUri(uri);
    HttpHeaders headers = request.headers();
    String upgrade = headers.get(HttpHeaderNames.UPGRADE);
    boolean websocket = upgrade != null && upgrade.equalsIgnoreCase("websocket");
    String te = headers.get(HttpHeaderNames.TE);
    HopByHop.strip(headers);
    if (websocket && !http2) {
      this.upgrading = true;
      headers.set(HttpHeaderNames.UPGRADE, upgrade);
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderNames.UPGRADE);
    }
    if (http2 && te != null && te.toLowerCase(java.util.Locale.ROOT).contains("trailers")) {
      // The one TE value HTTP/2 allows, and the one gRPC servers require.
      headers.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
    }
    String clientIp = client.clientIp();
    String forwardedFor = headers.get(Forwarded.X_FORWARDED_FOR);
    headers.set(Forwarded.X_FORWARDED_FOR,
        forwardedFor == null ? clientIp : forwardedFor + ", " + clientIp);
    headers.set(Forwarded.X_FORWARDED_PROTO, gateway.terminatesTls() ? "https" : "http");
    String host = headers.get(HttpHeaderNames.HOST);
    if (host != null) {
      headers.set(Forwarded.X_FORWARDED_HOST, host);
    }
    route.requestHeaders().applyTo(headers);
    headers.set(ErrorResponses.REQUEST_ID, requestId);
  }

  /** Picks an endpoint and connects to it: the start of CONNECTING. */
  private void attempt() {
    state = State.CONNECTING;
    attempts++;
    Endpoint picked;
    try {
      picked = pickEndpoint();
    } catch (NoAvailableEndpointException e) {
      fail(503, "no available endpoint for upstream '" + upstream.name() + "'");
      return;
    } catch (IllegalArgumentException e) {
      // The balancer routes by key (consistent hash) and the route gives none: a configuration
      // error, answered rather than breaking the connection.
      fail(500, "upstream '" + upstream.name() + "' picks by a routing key and route '"
          + route.id() + "' has none (Route.Builder.hashOn)");
      return;
    }
    if (picked == null) {
      fail(503, "every endpoint of upstream '" + upstream.name() + "' has an open circuit");
      return;
    }
    endpoint = picked;
    lastEndpoint = picked;
    attemptStartNanos = time.nanoTime();
    if (!gateway.observations().off()) {
      upstreamTry = gateway.observations().upstream(filtered.observation, request, route,
          upstream, picked);
    }
    if (http2) {
      connector.openStream(clientCtx.channel().eventLoop(), picked, upstream,
          route.connectTimeout()).addListener(this);
      return;
    }
    String key = UpstreamConnector.poolKey(upstream, picked);
    poolKey = key;
    Channel pooled = connector.pooled(key, upstream.idleConnectionTimeout());
    if (pooled != null) {
      send(pooled);
    } else {
      connector.connect(clientCtx.channel().eventLoop(), picked, upstream, route.connectTimeout())
          .addListener(this);
    }
  }

  /**
   * Picks an endpoint whose circuit lets the request through, preferring one not tried yet.
   * Returns null if every pick within the limit had an open circuit. With a routing key, a
   * second pick hashes on a value derived from the key (the same again would give the same
   * endpoint), so a key's failover endpoint is the same for all its requests.
   */
  private @Nullable Endpoint pickEndpoint() {
    for (int i = 0; i <= MAX_DISTINCT_PICKS; i++) {
      Endpoint candidate;
      if (routing.hasKey()) {
        RequestContext context = i == 0 ? routing
            : RequestContext.ofKeyHash(Hashing.hash(routing.keyHash() + i));
        candidate = balancer.pick(context);
        // A retry avoids the endpoint that just failed, if there is another to go to, by the
        // same derived keys as a refusing circuit, so that a key fails over to one endpoint.
        if (candidate.equals(previousEndpoint) && i < MAX_DISTINCT_PICKS
            && balancer.availableEndpoints().size() > 1) {
          balancer.onCancel(candidate);
          continue;
        }
      } else {
        // Asked of the balancer: a strategy that prefers idle endpoints (least request) would
        // draw the endpoint that just failed fast again and again.
        candidate = balancer.pick(routing, previousEndpoint);
      }
      CircuitBreaker candidateBreaker = upstream.circuitBreaker(candidate);
      if (candidateBreaker != null && !candidateBreaker.tryAcquirePermission()) {
        refused(candidate, candidateBreaker);
        continue;
      }
      breaker = candidateBreaker;
      return candidate;
    }
    return null;
  }

  /**
   * Gives back a pick whose circuit refused it. An open circuit means the endpoint has been
   * failing, and the balancer is told so (a failure of no duration), so that its outlier detection
   * ejects the endpoint as it would on the failures themselves. A cancel would hide the endpoint's
   * state from the balancer: with no requests in flight it looks idle, least-request balancing
   * prefers it to every busy endpoint, and every pick of a request lands on it until the picks run
   * out and the request gets a 503, although a healthy endpoint could serve it (the order system's
   * chaos run saw ten thousand such 503s while a killed instance was down and its circuit open). A
   * half-open circuit refuses only because its trial calls are taken, which is no failure.
   */
  private void refused(Endpoint candidate, CircuitBreaker candidateBreaker) {
    CircuitBreaker.State circuit = candidateBreaker.getState();
    if (circuit == CircuitBreaker.State.OPEN || circuit == CircuitBreaker.State.FORCED_OPEN) {
      balancer.onComplete(candidate, 0, false);
    } else {
      balancer.onCancel(candidate);
    }
  }

  /** Connect (or, on HTTP/2, stream open) finished. */
  @Override
  public void operationComplete(Future<Channel> future) {
    if (state == State.DONE) {
      if (future.isSuccess()) {
        future.getNow().close();
      }
      return;
    }
    if (future.isSuccess()) {
      send(future.getNow());
    } else {
      Throwable cause = future.cause();
      attemptFailed(cause);
      if (retry(true)) {
        return; // CONNECTING -> CONNECTING, on another endpoint
      }
      if (cause instanceof ConnectTimeoutException) {
        fail(504, Grpc.UNAVAILABLE, "connect to upstream '" + upstream.name() + "' timed out after "
            + route.connectTimeout().toMillis() + " ms");
      } else {
        fail(502, "cannot connect to upstream '" + upstream.name() + "'");
      }
    }
  }

  private void send(Channel channel) {
    upstreamChannel = channel;
    UpstreamHandler handler = channel.pipeline().get(UpstreamHandler.class);
    upstreamHandler = handler;
    handler.attach(this, request.method(), passThrough && !upgrading, !framesRawResponses);
    channel.config().setAutoRead(true);
    if (callDeadline != 0) {
      long left = callDeadline - time.nanoTime();
      if (left <= 0) {
        deadlineExceeded();
        return;
      }
      // The upstream gets the time left, not the client's whole timeout.
      request.headers().set(Grpc.TIMEOUT, Grpc.formatTimeout(left));
    }
    ScannedRequestHeaders scanned = rawHead;
    ArrayDeque<HttpContent> queued = pending;
    if (scanned != null) {
      channel.write(new RawRequestHead(RequestHeadWriter.write(channel.alloc(), request.method(),
          rawUri, scanned, client.clientIp(), gateway.terminatesTls() ? "https" : "http",
          route.requestHeaders(), requestId)));
    } else if (!hasBody && queued == null && !http2) {
      // A body-less request ends with its head: head and end go as one message now, whether or
      // not the decoder's empty last content has been read yet, which the HTTP/1.1 encoder
      // writes as one buffer (a head and then an empty last content are two writes, each with
      // its promise). The request's headers are shared, not copied.
      channel.write(new DefaultFullHttpRequest(request.protocolVersion(), request.method(),
          request.uri(), Unpooled.EMPTY_BUFFER, request.headers(), EmptyHttpHeaders.INSTANCE));
    } else {
      channel.write(request);
    }
    state = State.SENT; // CONNECTING -> SENT
    if (queued != null) {
      HttpContent content;
      while ((content = queued.poll()) != null) {
        channel.write(content);
      }
    } else if (!hasBody && scanned == null && http2) {
      // As above, on an HTTP/2 stream: the end follows the head in the same flush.
      channel.write(LastHttpContent.EMPTY_LAST_CONTENT);
    }
    channel.flush();
    if (requestComplete || !hasBody) {
      startResponseTimer();
    } else if (channel.isWritable()) {
      client.readMore();
    }
  }

  /** A piece of the client's request body, or its end. */
  void onClientContent(HttpContent content) {
    boolean last = content instanceof LastHttpContent;
    if (state == State.DONE || !hasBody) {
      // Done: nobody takes it any more. No body: its end was sent with the head (see send).
      // Either way this only marks the client's side complete.
      content.release();
      if (last) {
        requestComplete = true;
      }
      return;
    }
    bodyBytes += content.content().readableBytes();
    if (bodyBytes > maxBodySize) {
      content.release();
      bodyTooLarge();
      return;
    }
    if (last) {
      requestComplete = true;
    }
    Channel channel = upstreamChannel;
    if (state == State.CONNECTING || channel == null) {
      if (pending == null) {
        pending = new ArrayDeque<>(4);
      }
      pending.add(content);
      return;
    }
    channel.writeAndFlush(content);
    if (last) {
      startResponseTimer();
    } else if (channel.isWritable()) {
      client.readMore();
    }
  }

  /** The upstream connection can take more: read more of the client's body. */
  void upstreamWritable() {
    if (state != State.CONNECTING && state != State.DONE && !requestComplete) {
      client.readMore();
    }
  }

  /** The client connection can take more: read more of the response. */
  void clientWritable() {
    Channel channel = upstreamChannel;
    if (state != State.DONE && channel != null) {
      channel.config().setAutoRead(true);
    }
  }

  void onUpstreamMessage(Object msg) {
    switch (state) {
      case SENT -> {
        if (msg instanceof UpstreamResponseHead head) {
          onRawResponseHead(head);
        } else if (msg instanceof HttpResponse response) {
          onResponseHead(response);
        } else {
          ReferenceCountUtil.release(msg); // nothing belongs before a response head
        }
      }
      case INTERIM -> {
        ReferenceCountUtil.release(msg);
        if (msg instanceof LastHttpContent) {
          state = State.SENT; // INTERIM -> SENT: the real response follows
        }
      }
      case RESPONDING -> {
        if (msg instanceof RawResponseBytes bytes) {
          onRawResponseBytes(bytes);
        } else if (msg instanceof HttpContent content) {
          if (content.decoderResult().isFailure()) {
            content.release();
            responseBroken(content.decoderResult().cause());
          } else {
            onResponseContent(content);
          }
        } else {
          ReferenceCountUtil.release(msg);
        }
      }
      default -> ReferenceCountUtil.release(msg); // CONNECTING cannot receive; DONE drops
    }
  }

  private void onResponseHead(HttpResponse response) {
    if (response.decoderResult().isFailure()) {
      ReferenceCountUtil.release(response);
      closeUpstream();
      attemptFailed(response.decoderResult().cause());
      fail(502, "upstream '" + upstream.name() + "' sent an invalid response");
      return;
    }
    int code = response.status().code();
    if (code >= 100 && code < 200 && code != 101) {
      boolean ended = response instanceof LastHttpContent;
      ReferenceCountUtil.release(response);
      if (!ended) {
        state = State.INTERIM; // SENT -> INTERIM
      }
      return;
    }
    cancelResponseTimer();
    status = code;
    upstreamKeepAlive = HttpUtil.isKeepAlive(response);
    if (status == 101) {
      switchProtocols(response);
      return;
    }
    state = State.RESPONDING; // SENT -> RESPONDING
    HttpHeaders headers = response.headers();
    HopByHop.strip(headers);
    if (http2) {
      HopByHop.stripHttp2Extensions(headers);
    }
    route.responseHeaders().applyTo(headers);
    headers.set(ErrorResponses.REQUEST_ID, requestId);
    if (!extraResponseHeaders.isEmpty()) {
      for (Map.Entry<String, String> header : extraResponseHeaders.entrySet()) {
        String name = header.getKey();
        if (name.equalsIgnoreCase("set-cookie")
            || (name.equalsIgnoreCase("vary") && headers.contains(HttpHeaderNames.VARY))) {
          // Keep the upstream's Vary and add ours: a shared cache must key on both. A cookie of
          // ours (a sticky routing cookie) goes beside the upstream's, one line each.
          headers.add(name, header.getValue());
        } else {
          headers.set(header.getKey(), header.getValue());
        }
      }
    }
    if (!client.keepAliveAfter(this)) {
      headers.set(HttpHeaderNames.CONNECTION, "close");
    }
    if (cacheCapture != null) {
      cacheCapture.head(response);
    }
    if (response instanceof HttpContent content) {
      // A whole response in one object (an HTTP/2 HEADERS frame that ends the stream, such as a
      // gRPC trailers-only status): written once, as head and end together.
      if (content instanceof LastHttpContent && !HttpUtil.isContentLengthSet(response)
          && !HttpUtil.isTransferEncodingChunked(response)) {
        HttpUtil.setContentLength(response, content.content().readableBytes());
      }
      account(content);
      if (content instanceof LastHttpContent) {
        toClientAndFlush(response);
        complete();
      } else {
        toClient(response);
      }
      return;
    }
    toClient(response);
  }

  /**
   * SENT -> RESPONDING for a response passed through as bytes: the client's head is written from
   * the upstream's ({@link ResponseHeadWriter}) with the edits {@link #onResponseHead} makes to a
   * decoded one.
   */
  private void onRawResponseHead(UpstreamResponseHead head) {
    cancelResponseTimer();
    status = head.status();
    upstreamKeepAlive = head.keepAlive();
    state = State.RESPONDING; // SENT -> RESPONDING
    if (framesRawResponses) {
      toClient(new DefaultHttp2HeadersFrame(ResponseHeadWriter.http2Headers(head,
          route.responseHeaders(), requestId, extraResponseHeaders)));
      return;
    }
    toClient(RawResponseBytes.head(ResponseHeadWriter.write(clientCtx.alloc(), head,
        route.responseHeaders(), requestId, extraResponseHeaders, !client.keepAliveAfter(this))));
  }

  /** Body bytes of a response passed through; as {@link #onResponseContent}. */
  private void onRawResponseBytes(RawResponseBytes bytes) {
    responseBytes += bytes.bodyBytes();
    Object out = framesRawResponses ? new DefaultHttp2DataFrame(bytes.content(), bytes.isLast())
        : bytes;
    if (bytes.isLast()) {
      toClientAndFlush(out);
      complete();
      return;
    }
    toClient(out);
    Channel channel = upstreamChannel;
    if (channel != null && !clientCtx.channel().isWritable()) {
      channel.config().setAutoRead(false);
    }
  }

  /**
   * Writes to the client with the void promise: nothing here waits on a write to the client, and
   * a promise per write would be an object per response part. A failed write reaches {@link
   * ClientHandler#exceptionCaught}, which closes the connection (a stream, under HTTP/2).
   */
  private void toClient(Object message) {
    clientCtx.write(message, clientCtx.voidPromise());
  }

  /** {@link #toClient}, then a flush. */
  private void toClientAndFlush(Object message) {
    clientCtx.writeAndFlush(message, clientCtx.voidPromise());
  }

  /**
   * RESPONDING -> DONE: the upstream's response turned out malformed after its head went to the
   * client (a bad chunk); as when the upstream closes mid-response, closing the client connection
   * is the only way to tell it.
   */
  private void responseBroken(@Nullable Throwable cause) {
    if (grpc) {
      attemptFailed(cause);
      endGrpcStream(Grpc.UNAVAILABLE, "upstream '" + upstream.name() + "' sent an invalid"
          + " response", 502);
      return;
    }
    closeUpstream();
    attemptFailed(cause);
    routeState.timer(502).record(time.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    logAccess(status, responseBytes);
    finish(); // RESPONDING -> DONE
    clientCtx.flush(); // what was valid, as a connection cut off mid-body would have delivered it
    client.abort();
  }

  private void account(HttpContent content) {
    responseBytes += content.content().readableBytes();
    if (cacheCapture != null) {
      cacheCapture.content(content);
    }
  }

  private void onResponseContent(HttpContent content) {
    boolean last = content instanceof LastHttpContent;
    account(content);
    if (last) {
      toClientAndFlush(content);
      complete();
      return;
    }
    toClient(content);
    Channel channel = upstreamChannel;
    if (channel != null && !clientCtx.channel().isWritable()) {
      channel.config().setAutoRead(false);
    }
  }

  void flushToClient() {
    clientCtx.flush();
  }

  /** RESPONDING -> DONE: the last part of the response went to the client. */
  private void complete() {
    endTry(status, null, false);
    finish();
    long now = time.nanoTime();
    Endpoint current = endpoint;
    long latency = now - attemptStartNanos;
    boolean ok = status < 500;
    if (current != null) {
      balancer.onComplete(current, latency, ok);
    }
    recordBreaker(latency, ok ? null : SERVER_ERROR);
    Channel channel = upstreamChannel;
    UpstreamHandler handler = upstreamHandler;
    if (channel != null && handler != null) {
      handler.detach();
      channel.config().setAutoRead(true);
      String key = poolKey;
      if (!http2 && upstreamKeepAlive && requestComplete && key != null) {
        connector.release(key, channel, upstream.maxIdleConnections());
      } else {
        // An HTTP/2 stream is never reused; closing one whose request is still open resets it.
        channel.close();
      }
    }
    if (cacheCapture != null) {
      cacheCapture.complete(status);
    }
    routeState.timer(status).record(now - startNanos, TimeUnit.NANOSECONDS);
    logAccess(status, responseBytes);
    client.exchangeDone(this, false);
  }

  void onUpstreamClosed(@Nullable Throwable cause) {
    State was = state;
    if (was == State.DONE) {
      return;
    }
    upstreamChannel = null;
    upstreamHandler = null;
    if (callDeadline != 0 && time.nanoTime() - callDeadline >= 0) {
      // The upstream ended the call on the deadline it was given (a gRPC server resets the
      // stream then) before the gateway's own check ran: the deadline is the cause.
      deadlineExceeded();
      return;
    }
    if (was == State.RESPONDING && grpc) {
      // A gRPC client can be told: end its stream with a status in the trailers.
      attemptFailed(cause);
      endGrpcStream(Grpc.UNAVAILABLE, "upstream '" + upstream.name() + "' ended the call before"
          + " its status (connection closed or stream reset)", 502);
      return;
    }
    if (was == State.RESPONDING) {
      // The response is cut short: nothing can be sent to say so but closing the connection.
      attemptFailed(cause);
      routeState.timer(502).record(time.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
      logAccess(status, responseBytes);
      finish(); // RESPONDING -> DONE
      client.abort();
      return;
    }
    cancelResponseTimer();
    attemptFailed(cause);
    // Whether the endpoint may have acted on the request decides whether any method may retry.
    boolean nothingSent = was == State.CONNECTING;
    if ((nothingSent || idempotent) && retry(nothingSent)) {
      return; // SENT -> CONNECTING, on another endpoint
    }
    fail(502, "upstream '" + upstream.name() + "' closed the connection before answering");
  }

  /**
   * Returns the next deadline (time source nanos): the response headers' while they are awaited,
   * or the gRPC call's, whichever is first; 0 if none applies.
   */
  long responseDeadline() {
    if (state == State.DONE) {
      return 0;
    }
    long headers = state == State.SENT || state == State.INTERIM ? responseDeadline : 0;
    if (callDeadline == 0) {
      return headers;
    }
    return headers == 0 || callDeadline - headers < 0 ? callDeadline : headers;
  }

  /** A deadline from {@link #responseDeadline} passed: the call's, or the response headers'. */
  void responseTimedOut() {
    if (callDeadline != 0 && state != State.DONE && time.nanoTime() - callDeadline >= 0) {
      deadlineExceeded();
      return;
    }
    responseDeadline = 0;
    if (state != State.SENT && state != State.INTERIM) {
      return;
    }
    closeUpstream();
    attemptFailed(null);
    fail(504, "upstream '" + upstream.name() + "' did not answer within "
        + route.responseTimeout().toMillis() + " ms");
  }

  /**
   * The gRPC call's deadline passed: the upstream call is cancelled (its stream reset) and the
   * client told {@code DEADLINE_EXCEEDED}, in the trailers if the response already started. The
   * endpoint is not blamed: the deadline is the client's.
   */
  private void deadlineExceeded() {
    String message = "deadline of the call (grpc-timeout) passed in the gateway";
    Endpoint current = endpoint;
    endpoint = null;
    if (current != null) {
      balancer.onCancel(current);
      CircuitBreaker currentBreaker = breaker;
      breaker = null;
      if (currentBreaker != null) {
        currentBreaker.releasePermission();
      }
    }
    if (state == State.RESPONDING) {
      endGrpcStream(Grpc.DEADLINE_EXCEEDED, message, status);
      return;
    }
    closeUpstream();
    fail(504, Grpc.DEADLINE_EXCEEDED, message);
  }

  /**
   * RESPONDING -> DONE on a gRPC call the gateway has to end: the upstream stream is reset and
   * the client's response ends with trailers carrying the status, so the client sees a status
   * rather than a reset.
   */
  private void endGrpcStream(int grpcStatus, String message, int recordedStatus) {
    closeUpstream();
    finish(); // RESPONDING -> DONE
    LastHttpContent trailers = new DefaultLastHttpContent();
    trailers.trailingHeaders()
        .setInt(Grpc.STATUS, grpcStatus)
        .set(Grpc.MESSAGE, Grpc.encodeMessage(message));
    toClientAndFlush(trailers);
    routeState.timer(recordedStatus).record(time.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    logAccess(recordedStatus, responseBytes);
    client.exchangeDone(this, !requestComplete);
  }

  /** The client went away: abandon the upstream request. */
  void clientClosed() {
    if (state == State.DONE) {
      return;
    }
    filtered.observationEnded(0);
    finish(); // any -> DONE
    cancelResponseTimer();
    closeUpstream();
    Endpoint current = endpoint;
    if (current != null) {
      balancer.onCancel(current);
      CircuitBreaker currentBreaker = breaker;
      if (currentBreaker != null) {
        currentBreaker.releasePermission();
      }
    }
    releasePending();
  }

  private void bodyTooLarge() {
    if (state == State.RESPONDING) {
      attemptFailed(null);
      filtered.observationEnded(413);
      finish(); // RESPONDING -> DONE
      closeUpstream();
      client.abort();
      return;
    }
    closeUpstream();
    Endpoint current = endpoint;
    if (current != null) {
      balancer.onCancel(current);
      if (breaker != null) {
        breaker.releasePermission();
      }
      endpoint = null;
    }
    fail(413, "request body larger than " + maxBodySize + " bytes");
  }

  /** Reports a failed attempt to the balancer and breaker; the endpoint is then forgotten. */
  private void attemptFailed(@Nullable Throwable cause) {
    Endpoint current = endpoint;
    if (current == null) {
      return;
    }
    long latency = time.nanoTime() - attemptStartNanos;
    endTry(0, cause, false);
    balancer.onComplete(current, latency, false);
    recordBreaker(latency, cause == null ? SERVER_ERROR : cause);
    routeState.upstreamErrors.increment();
    previousEndpoint = current;
    endpoint = null;
  }

  private boolean retry(boolean nothingSent) {
    if (state == State.DONE || hasBody || attempts > route.maxRetries()
        || (!nothingSent && !idempotent)) {
      return false;
    }
    // The first retry takes a token of the upstream's retry budget; finish() gives it back.
    if (attempts == 1 && !upstream.tryStartRetry()) {
      return false;
    }
    routeState.retries.increment();
    attempt();
    return true;
  }

  private void fail(int failStatus, String message) {
    fail(failStatus, -1, message);
  }

  /**
   * Any -> DONE with the gateway's error.
   *
   * @param grpcStatus the gRPC status on a gRPC call, or -1 for the one the HTTP status maps to
   */
  private void fail(int failStatus, int grpcStatus, String message) {
    finish(); // any -> DONE
    cancelResponseTimer();
    releasePending();
    routeState.timer(failStatus).record(time.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    client.exchangeFailed(this, failStatus, grpcStatus, message, hasBody && !requestComplete);
  }

  /**
   * Enters DONE and ends the counters this exchange holds (in flight, retry budget), once:
   * every way out goes through here.
   */
  private void finish() {
    if (state == State.DONE) {
      return;
    }
    state = State.DONE;
    endTry(0, null, true); // a try still open here was abandoned
    if (attempts > 1) {
      upstream.retryEnded();
    }
    upstream.requestEnded();
    gateway.requestEnded();
  }

  /** Ends the current try's observation, if one is open. */
  private void endTry(int tryStatus, @Nullable Throwable error, boolean cancelled) {
    Observation current = upstreamTry;
    if (current != Observation.NOOP) {
      upstreamTry = Observation.NOOP;
      GatewayObservations.stopUpstream(current, tryStatus, error, cancelled);
    }
  }

  private void recordBreaker(long latencyNanos, @Nullable Throwable error) {
    CircuitBreaker current = breaker;
    breaker = null;
    if (current == null) {
      return;
    }
    if (error == null) {
      current.onSuccess(latencyNanos, TimeUnit.NANOSECONDS);
    } else {
      current.onError(latencyNanos, TimeUnit.NANOSECONDS, error);
    }
  }

  private void startResponseTimer() {
    if (responseDeadline == 0 && (state == State.SENT || state == State.INTERIM)) {
      responseDeadline = time.nanoTime() + route.responseTimeout().toNanos();
      client.armResponseCheck(responseDeadline);
    }
  }

  private void cancelResponseTimer() {
    responseDeadline = 0;
  }

  private void closeUpstream() {
    Channel channel = upstreamChannel;
    UpstreamHandler handler = upstreamHandler;
    upstreamChannel = null;
    upstreamHandler = null;
    if (handler != null) {
      handler.detach();
    }
    if (channel != null) {
      channel.close();
    }
  }

  private void releasePending() {
    ArrayDeque<HttpContent> queued = pending;
    if (queued != null) {
      HttpContent content;
      while ((content = queued.poll()) != null) {
        content.release();
      }
    }
  }

  /** SENT -> DONE: the endpoint accepted an upgrade; both connections go to a byte relay. */
  private void switchProtocols(HttpResponse response) {
    Channel channel = upstreamChannel;
    UpstreamHandler handler = upstreamHandler;
    if (channel == null || handler == null) {
      return;
    }
    endTry(101, null, false);
    finish();
    Endpoint current = endpoint;
    long latency = time.nanoTime() - attemptStartNanos;
    if (current != null) {
      balancer.onComplete(current, latency, true);
    }
    recordBreaker(latency, null);
    handler.detach();
    response.headers().set(ErrorResponses.REQUEST_ID, requestId);
    routeState.timer(101).record(time.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    logAccess(101, 0);
    client.upgrade(response, channel);
  }

  /** A 5xx answer, for the circuit breaker; no stack trace, it is not an exceptional path. */
  static final class UpstreamStatusException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UpstreamStatusException() {
      super("upstream answered with a 5xx status", null, false, false);
    }
  }
}
