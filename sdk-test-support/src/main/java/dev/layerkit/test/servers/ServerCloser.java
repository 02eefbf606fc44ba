package dev.layerkit.test.servers;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the servers this JVM started, and the clean-ups it owes shared servers, when the JVM
 * exits.
 *
 * <p>One shutdown hook for everything, so servers stop in the reverse order of their start (a
 * clean-up that needs a server runs before that server stops), and no library adds hooks of its
 * own that race with ours. Thread-safe: {@link #register} may be called from any thread. A failure
 * to close is logged and does not stop the others from closing.
 */
final class ServerCloser {

  private static final Logger LOG = LoggerFactory.getLogger(ServerCloser.class);

  private static final Deque<Named> OPEN = new ArrayDeque<>();
  private static boolean hookInstalled;

  private ServerCloser() {}

  /**
   * Arranges for {@code resource} to be closed when the JVM exits, before anything registered
   * earlier.
   *
   * @param name what it is, for the log when closing fails
   * @param resource what to close
   */
  static synchronized void register(String name, AutoCloseable resource) {
    if (!hookInstalled) {
      Runtime.getRuntime()
          .addShutdownHook(new Thread(ServerCloser::closeAll, "layerkit-test-servers-shutdown"));
      hookInstalled = true;
    }
    OPEN.push(new Named(name, resource));
  }

  private static void closeAll() {
    while (true) {
      Named next;
      synchronized (ServerCloser.class) {
        next = OPEN.poll();
      }
      if (next == null) {
        return;
      }
      try {
        next.resource().close();
      } catch (Exception e) {
        LOG.warn("Could not close {} at JVM exit", next.name(), e);
      }
    }
  }

  private record Named(String name, AutoCloseable resource) {}
}
