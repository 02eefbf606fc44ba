package dev.layerkit.gateway.http;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** The plain-values {@link GatewayRequest} behind {@link GatewayRequest#of}. */
final class SimpleGatewayRequest implements GatewayRequest {

  private final String method;
  private final String uri;
  private final String path;
  private final InetSocketAddress remoteAddress;
  private final List<String> names;
  private final List<String> values;
  private final String requestId;

  private SimpleGatewayRequest(
      String method, String uri, InetSocketAddress remoteAddress, List<String> names,
      List<String> values) {
    this.method = method;
    this.uri = uri;
    this.path = Paths.pathOf(uri);
    this.remoteAddress = remoteAddress;
    this.names = names;
    this.values = values;
    @Nullable String sent = firstValue("x-request-id");
    this.requestId = sent != null && RequestIds.isValid(sent) ? sent : UUID.randomUUID().toString();
  }

  static SimpleGatewayRequest create(
      String method, String uri, InetSocketAddress remoteAddress, String... headers) {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(remoteAddress, "remoteAddress");
    if (!uri.startsWith("/")) {
      throw new IllegalArgumentException("uri must start with '/' but was '" + uri + "'");
    }
    if (headers.length % 2 != 0) {
      throw new IllegalArgumentException(
          "headers must be name-value pairs but had " + headers.length + " elements");
    }
    List<String> names = new ArrayList<>(headers.length / 2);
    List<String> values = new ArrayList<>(headers.length / 2);
    for (int i = 0; i < headers.length; i += 2) {
      names.add(Objects.requireNonNull(headers[i], "header name").toLowerCase(Locale.ROOT));
      values.add(Objects.requireNonNull(headers[i + 1], "header value"));
    }
    return new SimpleGatewayRequest(method, uri, remoteAddress, names, values);
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
    return path;
  }

  @Override
  public String host() {
    @Nullable String host = firstValue("host");
    return host == null ? "" : Hosts.withoutPort(host);
  }

  @Override
  public @Nullable String header(String name) {
    return firstValue(name.toLowerCase(Locale.ROOT));
  }

  @Override
  public List<String> headers(String name) {
    String key = name.toLowerCase(Locale.ROOT);
    List<String> found = new ArrayList<>(1);
    for (int i = 0; i < names.size(); i++) {
      if (names.get(i).equals(key)) {
        found.add(values.get(i));
      }
    }
    return List.copyOf(found);
  }

  @Override
  public InetSocketAddress remoteAddress() {
    return remoteAddress;
  }

  @Override
  public String requestId() {
    return requestId;
  }

  private @Nullable String firstValue(String lowerCaseName) {
    int index = names.indexOf(lowerCaseName);
    return index < 0 ? null : values.get(index);
  }

  @Override
  public String toString() {
    return method + " " + uri + " from " + remoteAddress;
  }
}
