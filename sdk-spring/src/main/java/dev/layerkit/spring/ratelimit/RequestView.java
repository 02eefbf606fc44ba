package dev.layerkit.spring.ratelimit;

import java.net.InetSocketAddress;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What the rate-limit filters read of a request, whether servlet or reactive. Implementations are
 * adapters over one request and need not be thread-safe.
 */
public interface RequestView {

  /**
   * Returns the HTTP method.
   *
   * @return the method, upper case
   */
  String method();

  /**
   * Returns the path within the application (without the context path and query).
   *
   * @return the path
   */
  String path();

  /**
   * Returns the first value of a header.
   *
   * @param name the header name, case-insensitive
   * @return the value, or null if absent
   */
  @Nullable String header(String name);

  /**
   * Returns every value of a header, in order.
   *
   * @param name the header name, case-insensitive
   * @return the values, empty if absent
   */
  List<String> headers(String name);

  /**
   * Returns the connection's peer.
   *
   * @return the peer address
   */
  InetSocketAddress remoteAddress();
}
