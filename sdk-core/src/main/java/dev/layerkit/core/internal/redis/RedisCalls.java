package dev.layerkit.core.internal.redis;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How a Redis backend waits for an asynchronous command within its own timeout.
 *
 * <p>A command that did not answer in time is cancelled, not only abandoned: Lettuce queues
 * commands while it reconnects, and a rate-limit decision or a cache write must not run later,
 * unseen, after the caller has moved on.
 */
public final class RedisCalls {

  private RedisCalls() {}

  /**
   * Waits for {@code command} at most {@code timeoutNanos}, cancelling it on a timeout or an
   * interrupt.
   *
   * @param command the command's future
   * @param timeoutNanos how long to wait; zero or less tries once without waiting
   * @param <T> the reply type
   * @return the reply
   * @throws TimeoutException if it did not answer in time (it is cancelled)
   * @throws InterruptedException if the thread was interrupted (it is cancelled; the flag is
   *     cleared, as {@link Future#get} leaves it)
   * @throws ExecutionException if Redis answered with an error or the connection failed
   */
  public static <T> T await(Future<T> command, long timeoutNanos)
      throws TimeoutException, InterruptedException, ExecutionException {
    try {
      return command.get(Math.max(0, timeoutNanos), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | InterruptedException e) {
      command.cancel(true);
      throw e;
    }
  }
}
