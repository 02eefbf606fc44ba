package dev.layerkit.examples.orders;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Makes the order system's JDK {@link HttpServer}s with {@code TCP_NODELAY} on.
 *
 * <p>The JDK server writes a response's headers and body as separate segments; with Nagle's
 * algorithm on, the body waits for the client's delayed ACK of the headers, about 40 ms a
 * response. Behind the gateway's keep-alive connections that stall was the order service's
 * median latency ({@code OrderLoadShare}: 44 ms, against 0.8 ms for a Netty upstream). The JDK
 * reads {@code sun.net.httpserver.nodelay} once, when its first server is made in the JVM, so it
 * is set here, before any of ours, unless the application has chosen otherwise.
 */
final class JdkHttpServers {

  static {
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private JdkHttpServers() {}

  /**
   * Binds a server, not yet started.
   *
   * @param host the address to bind
   * @param port the port, 0 for any free one
   * @return the bound server
   * @throws IOException if the address cannot be bound
   */
  static HttpServer create(String host, int port) throws IOException {
    return HttpServer.create(new InetSocketAddress(host, port), 256);
  }
}
