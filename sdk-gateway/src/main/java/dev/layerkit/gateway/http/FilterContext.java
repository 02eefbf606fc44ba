package dev.layerkit.gateway.http;

import dev.layerkit.gateway.lb.RequestContext;
import io.micrometer.observation.Observation;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.concurrent.EventExecutor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request on its way through the {@link GatewayFilter}s: the decoded head, what the filters
 * so far learned about it (route, principal, response headers to add, cache capture), and the
 * calls that end a filter's part ({@link #proceed}, {@link #respond}, {@link #fail}, {@link
 * #forward}).
 *
 * <p>Confined to the connection's event loop: the four calls may come from any thread and hop to
 * it. A request's filters run one at a time, so the fields need no synchronization.
 */
final class FilterContext {

  private static final Logger LOG = LoggerFactory.getLogger(FilterContext.class);

  private final ClientHandler handler;
  private final EventExecutor eventLoop;
  private final List<GatewayFilter> filters;
  final Gateway gateway;
  final HttpRequest request;
  final NettyGatewayRequest view;
  /** Whether the client wants the connection kept after this request (and the gateway allows it). */
  final boolean keepAlive;
  /** Whether a body follows the head (chunked, or a positive {@code Content-Length}). */
  final boolean hasBody;
  /** The declared {@code Content-Length}, or -1 for a chunked body. */
  final long contentLength;
  /** When the head was decoded, on the gateway's time source. */
  final long startNanos;
  /** The request's server observation ({@link GatewayObservations#REQUEST}); NOOP when off. */
  final Observation observation;
  private boolean observed;

  private int next;
  /** True while the first filter is being called from the connection's read path. */
  private boolean inline;
  private @Nullable RouteState route;
  private Map<String, String> responseHeaders = Map.of();
  private Principal principal = Principal.ANONYMOUS;
  private @Nullable ResponseCache.Capture cacheCapture;
  private @Nullable Upstream upstream;
  private @Nullable String limiterDecision;
  private @Nullable RequestContext routing;

  FilterContext(ClientHandler handler, EventExecutor eventLoop, List<GatewayFilter> filters,
      Gateway gateway, HttpRequest request, NettyGatewayRequest view, boolean keepAlive,
      boolean hasBody, long contentLength, long startNanos) {
    this.handler = handler;
    this.eventLoop = eventLoop;
    this.filters = filters;
    this.gateway = gateway;
    this.request = request;
    this.view = view;
    this.keepAlive = keepAlive;
    this.hasBody = hasBody;
    this.contentLength = contentLength;
    this.startNanos = startNanos;
    this.observation = gateway.observations().request(request);
  }

  /**
   * Ends the request's observation, once: with the status answered, or {@code <= 0} when the
   * client went away before an answer.
   */
  void observationEnded(int status) {
    if (!observed) {
      observed = true;
      GatewayObservations.stopRequest(observation, route, status);
    }
  }

  /** Runs the first filter, from the read path of the connection. */
  void start() {
    inline = true;
    try {
      proceed();
    } finally {
      inline = false;
    }
  }

  /**
   * Returns whether the chain is ending within {@link #start()}, that is synchronously; the
   * connection then goes on with its reads by itself, else the handler must resume them.
   */
  boolean endingInline() {
    return inline;
  }

  /**
   * Runs a call on the connection's event loop. A loop that is shutting down refuses it; the
   * connection is then closing and has nobody to answer.
   */
  private void hop(Runnable call) {
    try {
      eventLoop.execute(call);
    } catch (RejectedExecutionException e) {
      LOG.debug("request {} completed a filter after its event loop stopped", view.requestId());
    }
  }

  /** Runs the next filter. */
  void proceed() {
    if (!eventLoop.inEventLoop()) {
      hop(this::proceed);
      return;
    }
    if (!handler.isFiltering(this)) {
      return; // the connection closed while a filter was waiting
    }
    GatewayFilter filter = filters.get(next++);
    try {
      if (observation.isNoop()) {
        filter.filter(this); // Observation.NOOP's scope would still cost an allocation
      } else {
        filterInScope(filter);
      }
    } catch (RuntimeException e) {
      LOG.warn("filter {} failed on request {}", filter.getClass().getSimpleName(),
          view.requestId(), e);
      if (handler.isFiltering(this)) {
        fail(500, "gateway filter failed unexpectedly");
      } else {
        handler.broken(); // it threw after handing the request on: nothing can be answered
      }
    }
  }

  @SuppressWarnings("try") // the scope makes the observation current; the body need not name it
  private void filterInScope(GatewayFilter filter) {
    // The scope puts the request's trace ids in the MDC while the filter runs (TraceMdc).
    try (Observation.Scope scope = observation.openScope()) {
      filter.filter(this);
    }
  }

  /**
   * Answers the request without forwarding it, adding the response headers the filters
   * collected (CORS) and {@code Connection: close} when the connection must not be reused.
   *
   * @param response the answer
   */
  void respond(FullHttpResponse response) {
    if (!eventLoop.inEventLoop()) {
      hop(() -> respond(response));
      return;
    }
    for (Map.Entry<String, String> header : responseHeaders.entrySet()) {
      response.headers().set(header.getKey(), header.getValue());
    }
    if (closeAfterAnswer()) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    handler.answer(this, response);
  }

  /**
   * Answers with the gateway's own error (JSON, or a gRPC status on a gRPC request), without the
   * collected response headers.
   *
   * @param status the status
   * @param message the message, for the client
   */
  void fail(int status, String message) {
    if (!eventLoop.inEventLoop()) {
      hop(() -> fail(status, message));
      return;
    }
    handler.answer(this, error(status, message));
  }

  /**
   * Builds the gateway's JSON error for this request, with {@code Connection: close} when the
   * connection must not be reused; the caller adds headers and passes it to {@link #respond}.
   */
  FullHttpResponse error(int status, String message) {
    return ErrorResponses.forRequest(ByteBufAllocator.DEFAULT, grpc(), status, -1, message,
        view.requestId(), closeAfterAnswer());
  }

  /**
   * Whether the request is a gRPC call: its route says so, or its content type does (which also
   * covers requests no route matched). Its errors are then gRPC statuses.
   */
  boolean grpc() {
    RouteState matched = route;
    return (matched != null && matched.route.grpc()) || Grpc.isGrpc(request.headers());
  }

  /**
   * Sends the request to an upstream: the end of the chain.
   *
   * @param upstream the route's upstream
   */
  void forward(Upstream upstream) {
    if (!eventLoop.inEventLoop()) {
      hop(() -> forward(upstream));
      return;
    }
    handler.forward(this, upstream);
  }

  /**
   * Returns whether an answer that does not forward must close the connection: an unread body
   * cannot be skipped safely, and the client may not want the connection kept.
   */
  boolean closeAfterAnswer() {
    return hasBody || !keepAlive;
  }

  String requestId() {
    return view.requestId();
  }

  /** The matched route; set by {@link RoutingFilter}, so present for every later filter. */
  RouteState route() {
    RouteState matched = route;
    if (matched == null) {
      throw new IllegalStateException("no route yet: RoutingFilter must run first");
    }
    return matched;
  }

  @Nullable RouteState routeIfMatched() {
    return route;
  }

  void route(RouteState matched) {
    this.route = matched;
  }

  /** The largest body this request may have: the route's limit, else the gateway's. */
  long maxBodySize() {
    return route().route.maxBodySize().orElse(gateway.settings().maxBodySize);
  }

  Principal principal() {
    return principal;
  }

  void principal(Principal authenticated) {
    this.principal = authenticated;
  }

  /** Headers to add to every answer of this request, forwarded or not (CORS). */
  Map<String, String> responseHeaders() {
    return responseHeaders;
  }

  void responseHeaders(Map<String, String> headers) {
    this.responseHeaders = headers;
  }

  /** The peer's IP address. */
  String clientIp() {
    return handler.clientIp();
  }

  /** What the rate limiter decided ({@code allowed}, {@code denied}), null without one. */
  @Nullable String limiterDecision() {
    return limiterDecision;
  }

  void limiterDecision(String decision) {
    this.limiterDecision = decision;
  }

  /** The upstream chosen for this request ({@link SplitFilter}), else the route's. */
  @Nullable Upstream upstream() {
    Upstream chosen = upstream;
    return chosen != null ? chosen : route().route.upstream();
  }

  void upstream(Upstream chosen) {
    this.upstream = chosen;
  }

  /**
   * The context the route's upstream (and mirror) picks with: keyed by the route's {@link
   * Route#hashOn()} (a random key hash when the request carries no key), or {@link
   * RequestContext#empty()} for a route without one, which costs nothing. Resolved on first use
   * and kept, so a mirror copy and every retry see the same key; the first use must come before
   * the request is rewritten for the upstream.
   */
  RequestContext routingContext() {
    RequestContext context = routing;
    if (context == null) {
      RouteState state = route();
      RoutingKey key = state.route.hashOn();
      context = key == null ? RequestContext.empty()
          : RoutingKeys.contextFor(key, view, principal, state.hashFallbacks, this::addSetCookie);
      routing = context;
    }
    return context;
  }

  /** Adds a {@code Set-Cookie} of the gateway's own (a sticky routing cookie) to the answer. */
  private void addSetCookie(String setCookie) {
    Map<String, String> headers = new LinkedHashMap<>(responseHeaders);
    headers.put("Set-Cookie", setCookie);
    responseHeaders = headers;
  }

  /** The connection's event loop, for work the request starts beside itself (a mirror copy). */
  io.netty.channel.EventLoop eventLoop() {
    return (io.netty.channel.EventLoop) eventLoop;
  }

  UpstreamConnector connector() {
    return handler.connector();
  }

  @Nullable ResponseCache.Capture cacheCapture() {
    return cacheCapture;
  }

  void cacheCapture(ResponseCache.Capture capture) {
    this.cacheCapture = capture;
  }
}
