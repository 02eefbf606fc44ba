package dev.layerkit.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs one task on several threads released at the same instant, for tests of concurrency
 * claims: every thread waits on one latch, so they contend from their first step instead of
 * starting one after another.
 *
 * <pre>{@code
 * Concurrently.run(8, () -> {
 *   for (int i = 0; i < 1_000; i++) {
 *     if (limiter.tryAcquire("hot").allowed()) admitted.increment();
 *   }
 * });
 * }</pre>
 */
public final class Concurrently {

  /** How long {@link #run} waits for the threads before it fails the test. */
  public static final long TIMEOUT_SECONDS = 60;

  private Concurrently() {}

  /** A task that may throw, as test bodies do. */
  @FunctionalInterface
  public interface Task {
    /**
     * Runs the task once.
     *
     * @throws Exception to fail the test
     */
    void run() throws Exception;
  }

  /**
   * Runs {@code task} on {@code threads} new threads released together and waits for all.
   *
   * @param threads how many threads run the task
   * @param task the task, run once by each thread
   * @throws Exception the first task failure (unwrapped), or a timeout after
   *     {@value #TIMEOUT_SECONDS} seconds
   */
  public static void run(int threads, Task task) throws Exception {
    run(threads, Duration.ofSeconds(TIMEOUT_SECONDS), task);
  }

  /**
   * Runs {@code task} on {@code threads} new threads released together and waits for all, for
   * at most {@code timeout}; for tasks that talk to a server and may need longer than
   * {@value #TIMEOUT_SECONDS} seconds on a loaded machine.
   *
   * @param threads how many threads run the task
   * @param timeout how long to wait for all of them
   * @param task the task, run once by each thread
   * @throws Exception the first task failure (unwrapped), or a timeout
   */
  public static void run(int threads, Duration timeout, Task task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      run(pool, threads, timeout, task);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Runs {@code task} {@code threads} times on {@code pool}, released together, and waits for all;
   * for tests that run several rounds on one pool. The pool must have at least {@code threads}
   * threads, or the rounds cannot all start.
   *
   * @param pool the pool to run on; left running
   * @param threads how many times the task runs at once
   * @param task the task
   * @throws Exception the first task failure (unwrapped), or a timeout after
   *     {@value #TIMEOUT_SECONDS} seconds
   */
  public static void run(ExecutorService pool, int threads, Task task) throws Exception {
    run(pool, threads, Duration.ofSeconds(TIMEOUT_SECONDS), task);
  }

  private static void run(ExecutorService pool, int threads, Duration timeout, Task task)
      throws Exception {
    Objects.requireNonNull(task, "task");
    long deadline = System.nanoTime() + timeout.toNanos();
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>(threads);
    for (int t = 0; t < threads; t++) {
      futures.add(pool.submit(() -> {
        start.await();
        task.run();
        return null;
      }));
    }
    start.countDown();
    try {
      for (Future<?> future : futures) {
        future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    } finally {
      for (Future<?> future : futures) {
        future.cancel(true);
      }
    }
  }
}
