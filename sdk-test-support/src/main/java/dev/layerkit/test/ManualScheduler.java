package dev.layerkit.test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A scheduler that runs nothing by itself: {@link #execute} runs a task at once on the calling
 * thread, and scheduled tasks run when the test calls {@link #runScheduled()}. Lets tests drive
 * periodic work (health-check rounds, DNS refreshes, cache refreshes) one round at a time, without
 * waiting and without sleeps.
 *
 * <pre>{@code
 * ManualScheduler scheduler = new ManualScheduler();
 * LoadBalancer lb = LoadBalancers.roundRobin().endpoints(endpoints).scheduler(scheduler)
 *     .activeHealthCheck(ActiveHealthCheck.tcp().build()).build();
 * scheduler.runScheduled();   // one health-check round, on this thread
 * }</pre>
 *
 * <p>Delays and periods are ignored: every task that is scheduled and not cancelled is due at each
 * {@link #runScheduled()}. Pair it with {@code ManualTimeSource} when the code under test also reads
 * the time. {@link #schedule(Callable, long, TimeUnit)} is not supported. Thread-safe: the task
 * list is guarded by this object's monitor, and tasks run on the thread that calls {@link
 * #runScheduled()} or {@link #execute}.
 */
public final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {

  private final List<Task> tasks = new ArrayList<>();
  private boolean shutdown;

  /** Creates a scheduler with no tasks. */
  public ManualScheduler() {}

  /**
   * Runs every scheduled task that is not cancelled once, on the calling thread; one-shot tasks
   * are then dropped, periodic ones stay for the next round. A task that throws ends the round
   * with that exception.
   *
   * @return how many tasks ran
   */
  public synchronized int runScheduled() {
    List<Task> due = new ArrayList<>(tasks);
    int ran = 0;
    for (Task task : due) {
      if (!task.cancelled) {
        task.command.run();
        ran++;
      }
      if (!task.periodic || task.cancelled) {
        tasks.remove(task);
      }
    }
    return ran;
  }

  /**
   * Returns how many tasks are scheduled and not cancelled.
   *
   * @return the count
   */
  public synchronized int scheduledTasks() {
    return (int) tasks.stream().filter(t -> !t.cancelled).count();
  }

  @Override
  public void execute(Runnable command) {
    command.run();
  }

  @Override
  public synchronized ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return add(command, false);
  }

  /**
   * Not supported.
   *
   * @throws UnsupportedOperationException always
   */
  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException();
  }

  @Override
  public synchronized ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period,
      TimeUnit unit) {
    return add(command, true);
  }

  @Override
  public synchronized ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
      TimeUnit unit) {
    return add(command, true);
  }

  private Task add(Runnable command, boolean periodic) {
    Task task = new Task(command, periodic);
    tasks.add(task);
    return task;
  }

  @Override
  public synchronized void shutdown() {
    shutdown = true;
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown();
    return List.of();
  }

  @Override
  public synchronized boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return isShutdown();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return true;
  }

  private static final class Task implements ScheduledFuture<Object> {
    final Runnable command;
    final boolean periodic;
    volatile boolean cancelled;

    Task(Runnable command, boolean periodic) {
      this.command = command;
      this.periodic = periodic;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return 0;
    }

    @Override
    public int compareTo(Delayed o) {
      return 0;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      cancelled = true;
      return true;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return cancelled;
    }

    @Override
    public Object get() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Object get(long timeout, TimeUnit unit) {
      throw new UnsupportedOperationException();
    }
  }
}
