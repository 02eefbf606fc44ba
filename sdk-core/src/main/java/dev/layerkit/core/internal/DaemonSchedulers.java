package dev.layerkit.core.internal;

import java.util.Objects;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes the schedulers Layerkit blocks share when the user injects none: daemon threads, so a
 * shared scheduler never keeps a JVM alive and needs no shutdown, and cancelled tasks removed at
 * once, since timeouts and periodic tasks are cancelled far more often than they run out.
 */
public final class DaemonSchedulers {

  private DaemonSchedulers() {}

  /**
   * Returns a new scheduler of {@code threads} daemon threads named {@code <name>-<n>}.
   *
   * @param name the thread-name prefix, for example {@code layerkit-resilience-scheduler}
   * @param threads the number of core threads
   * @return the scheduler
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code threads} is not positive
   */
  public static ScheduledThreadPoolExecutor create(String name, int threads) {
    Objects.requireNonNull(name, "name");
    Arguments.positive(threads, "threads");
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(threads, threadFactory(name));
    executor.setRemoveOnCancelPolicy(true);
    return executor;
  }

  /**
   * Returns a factory of plain daemon threads named {@code <name>-<n>}, for pools whose tasks may
   * block. Not Netty's {@code DefaultThreadFactory}: it makes {@code FastThreadLocalThread}s, which
   * Netty (and BlockHound's Netty integration) treat as event loops that must never block.
   *
   * @param name the thread-name prefix
   * @return the factory
   * @throws NullPointerException if {@code name} is null
   */
  public static ThreadFactory threadFactory(String name) {
    Objects.requireNonNull(name, "name");
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, name + '-' + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
