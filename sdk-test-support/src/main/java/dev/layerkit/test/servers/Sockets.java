package dev.layerkit.test.servers;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/**
 * Small socket helpers: a free loopback port, and a quick "does anything listen there" check.
 *
 * <p>Stateless and thread-safe.
 */
final class Sockets {

  /** The loopback address every embedded server binds to; nothing is exposed beyond the machine. */
  static final String LOOPBACK_HOST = "127.0.0.1";

  /** How long a probe waits for a local service: long enough for a busy machine, short enough to
   * cost nothing when the service is absent. */
  static final Duration LOOPBACK_PROBE_TIMEOUT = Duration.ofMillis(500);

  private Sockets() {}

  /**
   * Returns a port on 127.0.0.1 that was free a moment ago.
   *
   * <p>Another process can take it before the caller binds it; callers that start a server on it
   * retry with a new port when the start fails.
   *
   * @return the port
   * @throws IOException if no port could be bound
   */
  static int freeLoopbackPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK_HOST))) {
      return socket.getLocalPort();
    }
  }

  /**
   * Checks that something accepts TCP connections at {@code host:port}.
   *
   * @param host the host
   * @param port the port
   * @param timeout how long to wait for the connection
   * @throws ServerUnavailableException if the connection is refused or times out
   */
  static void requireListening(String host, int port, Duration timeout)
      throws ServerUnavailableException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), Math.toIntExact(timeout.toMillis()));
    } catch (IOException e) {
      throw new ServerUnavailableException(
          "nothing accepts connections on " + host + ':' + port + " (" + e.getMessage() + ")");
    }
  }
}
