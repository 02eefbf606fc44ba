package dev.layerkit.gateway.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The {@link GatewayRequest} view of a Netty request head; the path is cut out on first use. */
final class NettyGatewayRequest implements GatewayRequest {

  private final HttpRequest request;
  private final String method;
  private final String uri;
  private final InetSocketAddress remoteAddress;
  private final String requestId;
  private final List<X509Certificate> clientCertificates;
  private @Nullable String path;
  private @Nullable String host;

  NettyGatewayRequest(HttpRequest request, InetSocketAddress remoteAddress, String requestId,
      List<X509Certificate> clientCertificates) {
    this.request = request;
    this.clientCertificates = clientCertificates;
    this.method = request.method().name();
    this.uri = request.uri();
    this.remoteAddress = remoteAddress;
    this.requestId = requestId;
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public String uri() {
    return uri;
  }

  @Override
  public String path() {
    String cached = path;
    if (cached == null) {
      cached = Paths.pathOf(uri);
      path = cached;
    }
    return cached;
  }

  @Override
  public String host() {
    String cached = host;
    if (cached == null) {
      String header = request.headers().get(HttpHeaderNames.HOST);
      cached = header == null ? "" : Hosts.withoutPort(header);
      host = cached;
    }
    return cached;
  }

  @Override
  public @Nullable String header(String name) {
    return request.headers().get(name);
  }

  @Override
  public List<String> headers(String name) {
    return List.copyOf(request.headers().getAll(name));
  }

  @Override
  public InetSocketAddress remoteAddress() {
    return remoteAddress;
  }

  @Override
  public String requestId() {
    return requestId;
  }

  @Override
  public List<X509Certificate> clientCertificates() {
    return clientCertificates;
  }

  @Override
  public String toString() {
    return method + " " + uri + " from " + remoteAddress;
  }
}
