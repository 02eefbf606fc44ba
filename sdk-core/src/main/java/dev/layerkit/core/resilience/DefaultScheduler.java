package dev.layerkit.core.resilience;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

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
      AtomicInteger count = new AtomicInteger();
      ThreadFactory factory = task -> {
        Thread thread = new Thread(task, "layerkit-resilience-scheduler-" + count.incrementAndGet());
        thread.setDaemon(true);
        return thread;
      };
      ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(THREADS, factory);
      // Timeouts are cancelled when calls finish in time; drop them at once instead of at expiry.
      executor.setRemoveOnCancelPolicy(true);
      return executor;
    }
  }
}
