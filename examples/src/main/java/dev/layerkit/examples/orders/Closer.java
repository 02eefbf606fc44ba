package dev.layerkit.examples.orders;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes what was opened, last first, logging (not throwing) what fails to close, so that one
 * stuck part does not keep the rest open. Not thread-safe.
 */
final class Closer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Closer.class);

  private final Deque<AutoCloseable> opened = new ArrayDeque<>();

  <T extends AutoCloseable> T push(T closeable) {
    opened.push(closeable);
    return closeable;
  }

  @Override
  public void close() {
    while (!opened.isEmpty()) {
      AutoCloseable closeable = opened.pop();
      try {
        closeable.close();
      } catch (Exception e) {
        LOG.warn("closing {} failed", closeable, e);
      }
    }
  }
}
