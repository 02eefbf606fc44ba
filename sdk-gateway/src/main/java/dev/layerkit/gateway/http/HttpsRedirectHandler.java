package dev.layerkit.gateway.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.function.IntSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plaintext redirect port's handler: answers every request {@code 308 Permanent Redirect} to
 * the same host, path and query on HTTPS (308 rather than 301 so that a POST stays a POST), with
 * keep-alive; a request body is read and dropped. A request without a usable host ({@code Host}
 * missing or not a host name or IP literal) is a 400, a malformed one a 400 that closes.
 */
final class HttpsRedirectHandler extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(HttpsRedirectHandler.class);

  private final Gateway gateway;
  private final ClientTimeouts timeouts;
  private final IntSupplier httpsPort;
  private boolean closeAfterRequest;

  HttpsRedirectHandler(Gateway gateway, ClientTimeouts timeouts, IntSupplier httpsPort) {
    this.gateway = gateway;
    this.timeouts = timeouts;
    this.httpsPort = httpsPort;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof HttpRequest request) {
        onRequest(ctx, request);
      }
      if (msg instanceof LastHttpContent) {
        timeouts.awaitNextRequest();
        if (closeAfterRequest) {
          ctx.close();
        }
      } else if (msg instanceof HttpContent content && content.decoderResult().isFailure()) {
        ctx.close();
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onRequest(ChannelHandlerContext ctx, HttpRequest request) {
    timeouts.requestHeadReceived();
    if (request.decoderResult().isFailure()) {
      gateway.metrics().badRequest();
      closeAfterRequest = true;
      ctx.writeAndFlush(ErrorResponses.json(ctx.alloc(), 400, "malformed request",
          RequestIds.generate(), true)).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    boolean keepAlive = HttpUtil.isKeepAlive(request) && !gateway.draining();
    closeAfterRequest = !keepAlive;
    String location = location(request, httpsPort.getAsInt());
    FullHttpResponse response;
    if (location == null) {
      response = ErrorResponses.json(ctx.alloc(), 400,
          "cannot redirect to HTTPS: the request names no valid host", RequestIds.generate(),
          !keepAlive);
    } else {
      gateway.tls().metrics().redirected();
      response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
          HttpResponseStatus.PERMANENT_REDIRECT, Unpooled.EMPTY_BUFFER);
      response.headers().set(HttpHeaderNames.LOCATION, location)
          .setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
      if (!keepAlive) {
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      }
    }
    ctx.writeAndFlush(response);
  }

  /**
   * Returns the HTTPS URL of a request: its host (from an absolute request target, else the
   * {@code Host} header) without the port, {@code httpsPort} unless it is 443, then the path and
   * query as sent.
   *
   * @return the URL, or {@code null} if the request names no valid host
   */
  static @Nullable String location(HttpRequest request, int httpsPort) {
    String target = request.uri();
    String hostHeader = request.headers().get(HttpHeaderNames.HOST);
    String pathAndQuery;
    if (target.startsWith("/")) {
      pathAndQuery = target;
    } else if (target.equals("*")) {
      pathAndQuery = "/";
    } else {
      // Absolute form (RFC 9112 section 3.2.2): its authority wins over the Host header.
      URI uri;
      try {
        uri = new URI(target);
      } catch (URISyntaxException e) {
        return null;
      }
      if (uri.getRawAuthority() == null || uri.getRawUserInfo() != null) {
        return null;
      }
      hostHeader = uri.getRawAuthority();
      String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
      pathAndQuery = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    }
    if (hostHeader == null) {
      return null;
    }
    String host = Hosts.withoutPort(hostHeader);
    if (!validHost(host)) {
      return null;
    }
    return "https://" + host + (httpsPort == 443 ? "" : ":" + httpsPort) + pathAndQuery;
  }

  /** A registered name of letters, digits, dots, hyphens and underscores, or an IPv6 literal. */
  private static boolean validHost(String host) {
    if (host.isEmpty()) {
      return false;
    }
    if (host.startsWith("[")) {
      if (host.length() < 4 || !host.endsWith("]")) {
        return false;
      }
      for (int i = 1; i < host.length() - 1; i++) {
        char c = host.charAt(i);
        if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == ':' || c == '.')) {
          return false;
        }
      }
      return true;
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_')) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("redirect connection {} failed", ctx.channel().remoteAddress(), cause);
    ctx.close();
  }
}
