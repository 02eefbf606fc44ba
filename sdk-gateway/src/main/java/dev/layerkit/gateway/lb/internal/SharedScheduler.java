package dev.layerkit.gateway.lb.internal;

import dev.layerkit.core.internal.DaemonSchedulers;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The scheduler that load balancers, DNS sources and the Redis registry use when none is
 * injected: active health probes, DNS re-resolution, registry heartbeats and re-reads run on it.
 *
 * <p>Created on first use (holder idiom), so a balancer without background work never starts a
 * thread. Daemon threads, so it never keeps a JVM alive and needs no shutdown. Its tasks block on
 * I/O with timeouts (a probe's connect, a DNS lookup, a Redis call), so it has a few threads more
 * than there are cores; give a balancer that probes many endpoints its own, larger scheduler.
 */
public final class SharedScheduler {

  /** The number of threads of the shared scheduler. */
  public static final int THREADS = Math.max(4, Runtime.getRuntime().availableProcessors());

  private SharedScheduler() {}

  /**
   * Returns the shared scheduler, creating it on first use.
   *
   * @return the scheduler; callers must not shut it down
   */
  public static ScheduledExecutorService get() {
    return Holder.INSTANCE;
  }

  private static final class Holder {
    static final ScheduledExecutorService INSTANCE = create();

    private static ScheduledExecutorService create() {
      return DaemonSchedulers.create("layerkit-lb-scheduler", THREADS);
    }
  }
}
