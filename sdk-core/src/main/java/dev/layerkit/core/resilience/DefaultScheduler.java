package dev.layerkit.core.resilience;

import dev.layerkit.core.internal.DaemonSchedulers;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The scheduler shared by every {@link ResiliencePolicy} built without one: async retry backoff
 * and async timeouts run on it.
 *
 * <p>Created on first use (holder idiom) so that sync-only users never start a thread. Its threads
 * are daemons, so it never keeps a JVM alive and needs no shutdown. Two threads, because
 * Resilience4j runs a retried async attempt's supplier on the scheduler thread: one slow supplier
 * must not delay every timeout in the process.
 */
final class DefaultScheduler {

  static final int THREADS = 2;

  private DefaultScheduler() {}

  static ScheduledExecutorService get() {
    return Holder.INSTANCE;
  }

  private static final class Holder {
    static final ScheduledExecutorService INSTANCE = create();

    private static ScheduledExecutorService create() {
      return DaemonSchedulers.create("layerkit-resilience-scheduler", THREADS);
    }
  }
}
