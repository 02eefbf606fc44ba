package dev.layerkit.gateway.http;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A read-only view of a request that the {@link Gateway} is handling, given to {@link Auth},
 * {@link KeyResolver} and the other filters.
 *
 * <p>The view is independent of the transport (no Netty types), so that filters can be unit
 * tested without sockets: {@link #of} builds one from plain values. Header names are matched
 * case-insensitively. The body is never part of the view; filters decide on the request line and
 * headers only, which is what lets the gateway stream bodies.
 *
 * <p>Implementations are immutable or used by one thread at a time; a filter must not keep a
 * reference after it returns.
 */
public interface GatewayRequest {

  /**
   * Returns the method, upper case as sent (for example {@code GET}).
   *
   * @return the method
   */
  String method();

  /**
   * Returns the request target as sent, path and query (for example {@code /api/orders?id=1}).
   *
   * @return the request target
   */
  String uri();

  /**
   * Returns the path of the request target, without the query string.
   *
   * @return the path, starting with {@code /}
   */
  String path();

  /**
   * Returns the {@code Host} header without a port, lower case, or an empty string if absent.
   *
   * @return the host name the client addressed
   */
  String host();

  /**
   * Returns the first value of a header.
   *
   * @param name the header name, any case
   * @return the value, or {@code null} if the header is absent
   */
  @Nullable String header(String name);

  /**
   * Returns every value of a header, in the order sent.
   *
   * @param name the header name, any case
   * @return the values, empty if the header is absent
   */
  List<String> headers(String name);

  /**
   * Returns the address of the peer that opened the connection to the gateway (a proxy in front
   * of the gateway, or the client itself).
   *
   * @return the remote address
   */
  InetSocketAddress remoteAddress();

  /**
   * Returns the request id: the client's {@code X-Request-Id} when it sent a valid one, else an id
   * the gateway generated.
   *
   * @return the request id
   */
  String requestId();

  /**
   * Returns the certificate chain the client presented in its TLS handshake, leaf first, already
   * verified against the gateway's {@link Tls.Builder#trustedClientCertificates}: a client whose
   * certificate does not verify never gets this far. The subject of the client is {@code
   * clientCertificates().get(0).getSubjectX500Principal()}; {@link Auth#clientCertificate()}
   * authenticates by it.
   *
   * <p>The default returns an empty list, as does the gateway for a plaintext connection, a TLS
   * gateway that asks for no client certificates, and a client that sent none under {@link
   * Tls.ClientAuth#OPTIONAL}.
   *
   * @return the verified chain, or an empty list
   */
  default List<X509Certificate> clientCertificates() {
    return List.of();
  }

  /**
   * Builds a view from plain values, for tests and for callers that embed the filters elsewhere.
   *
   * @param method the method
   * @param uri the request target
   * @param headers the headers as name-value pairs ({@code "Host", "example.com", ...})
   * @param remoteAddress the peer address
   * @return the view
   * @throws IllegalArgumentException if {@code headers} has an odd length or {@code uri} does not
   *     start with {@code /}
   */
  static GatewayRequest of(
      String method, String uri, InetSocketAddress remoteAddress, String... headers) {
    return SimpleGatewayRequest.create(method, uri, remoteAddress, headers);
  }
}
