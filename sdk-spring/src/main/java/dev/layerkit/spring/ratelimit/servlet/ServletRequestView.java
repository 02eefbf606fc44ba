package dev.layerkit.spring.ratelimit.servlet;

import dev.layerkit.spring.ratelimit.RequestView;
import jakarta.servlet.http.HttpServletRequest;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** A servlet request as the rate-limit rules read it. */
final class ServletRequestView implements RequestView {

  private final HttpServletRequest request;

  ServletRequestView(HttpServletRequest request) {
    this.request = request;
  }

  @Override
  public String method() {
    return request.getMethod();
  }

  @Override
  public String path() {
    String uri = request.getRequestURI();
    String context = request.getContextPath();
    return context != null && !context.isEmpty() && uri.startsWith(context) ? uri.substring(context.length()) : uri;
  }

  @Override
  public @Nullable String header(String name) {
    return request.getHeader(name);
  }

  @Override
  public List<String> headers(String name) {
    return Collections.list(request.getHeaders(name));
  }

  @Override
  public InetSocketAddress remoteAddress() {
    return InetSocketAddress.createUnresolved(request.getRemoteAddr(), request.getRemotePort());
  }
}
