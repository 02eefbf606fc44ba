package dev.layerkit.gateway.blocking;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingMethod;
import reactor.blockhound.integration.StandardOutputIntegration;

/**
 * BlockHound, installed once per test JVM, recording every blocking call on a non-blocking thread
 * instead of throwing it: an {@code Error} thrown inside an event loop may be swallowed by Netty
 * (or break the request under test in ways that hide the cause), while a record is checked after
 * each test by {@link BlockHoundExtension} and fails it.
 *
 * <p>Non-blocking threads are Netty's event loops: Netty's own BlockHound integration (found by
 * BlockHound through {@code META-INF/services}) marks every {@code FastThreadLocalThread}, with
 * its allowances for Netty's internals. That covers the gateway's loops, Lettuce's I/O loops and
 * the Redis limiter's timeout timer.
 *
 * <p>Allowed besides (each harmless, see the comments in {@link #install()}): writes to the
 * console, which is where the test logging backend (slf4j-simple) writes, and short locks met as
 * contention: Lettuce's writer count, the growth of Netty's adaptive allocator, a hand-off to a
 * thread pool and Resilience4j's circuit-breaker window. Anything that waits for I/O, time or
 * another thread's work is reported.
 */
public final class BlockingCalls {

  /** One blocking call: the method, the thread and where it was called from. */
  public record Report(String method, String thread, List<StackTraceElement> stack) {
    @Override
    public String toString() {
      StringBuilder text = new StringBuilder(method).append(" on thread ").append(thread);
      for (StackTraceElement frame : stack) {
        text.append("\n\tat ").append(frame);
      }
      return text.toString();
    }
  }

  private static final ConcurrentLinkedQueue<Report> REPORTS = new ConcurrentLinkedQueue<>();
  private static volatile boolean installed;

  private BlockingCalls() {}

  /** Installs BlockHound with the recording callback; later calls do nothing. */
  public static synchronized void install() {
    if (installed) {
      return;
    }
    BlockHound.install(
        // The console: slf4j-simple, the tests' logging backend, writes each line to System.err,
        // and Surefire/Failsafe pipe that to Maven. A production gateway logs through the
        // application's backend; console output in tests is not what this harness is about.
        new StandardOutputIntegration(),
        builder -> builder
            // Lettuce counts a connection's concurrent writers under a ReentrantLock held for one
            // atomic update; only connection state changes (activation, reconnect, close) hold it
            // longer, to move queued commands in memory, never waiting for I/O. Two event loops
            // sending a command at once may meet there for nanoseconds: contention, not blocking.
            // (Netty's own integration allows its PoolArena locks for the same reason.)
            .allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "incrementWriters")
            // Netty 4.2's adaptive allocator, when threads collide on its magazines, grows their
            // array once and frees the old magazines under their StampedLock: a short in-memory
            // critical section, the same kind as the PoolArena locks Netty's integration allows
            // (Armeria allows it too: line/armeria#6344).
            .allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup",
                "tryExpandMagazines")
            // Handing a task to a pool (JWKS verification, static file reads): execute() never
            // waits for room (a full queue is rejected at once); its queue's lock and the pool's
            // main lock guard O(1) updates, so an event loop meets them only as contention.
            .allowBlockingCallsInside("java.util.concurrent.ThreadPoolExecutor", "execute")
            // Resilience4j's circuit-breaker window (the gateway records each upstream outcome in
            // it) updates its counters under a ReentrantLock: an O(1) in-memory update, no I/O.
            // Two event loops completing exchanges to one upstream meet there as contention.
            // (Resilience4j 2.4 has a LOCK_FREE window strategy; ResiliencePolicy does not offer it.)
            .allowBlockingCallsInside("io.github.resilience4j.core.metrics.FixedSizeSlidingWindowMetrics", "record")
            .allowBlockingCallsInside("io.github.resilience4j.core.metrics.SlidingTimeWindowMetrics", "record")
            // Netty's io_uring event loop, when it shuts down, spins (Thread.onSpinWait) until the
            // kernel has finished the ring's last operations before it unmaps the ring: the loop's
            // own teardown, once, after it stopped serving connections.
            .allowBlockingCallsInside("io.netty.channel.uring.IoUringIoHandler", "destroy")
            .blockingMethodCallback(BlockingCalls::record));
    installed = true;
  }

  /** Whether {@link #install()} ran in this JVM. */
  public static boolean installed() {
    return installed;
  }

  private static void record(BlockingMethod method) {
    StackTraceElement[] stack = new Throwable().getStackTrace();
    // Skip BlockHound's and this class's frames: the first frame of interest is the blocking call.
    int first = 0;
    while (first < stack.length && (stack[first].getClassName().startsWith("reactor.blockhound")
        || stack[first].getClassName().equals(BlockingCalls.class.getName()))) {
      first++;
    }
    REPORTS.add(new Report(method.toString(), Thread.currentThread().getName(),
        List.copyOf(Arrays.asList(stack).subList(first, Math.min(stack.length, first + 40)))));
  }

  /**
   * Returns and forgets the reports made so far.
   *
   * @return the reports, oldest first
   */
  public static List<Report> drain() {
    List<Report> drained = new ArrayList<>();
    Report report;
    while ((report = REPORTS.poll()) != null) {
      drained.add(report);
    }
    return drained;
  }
}
