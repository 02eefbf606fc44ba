package dev.layerkit.cache.redis;

import dev.layerkit.core.internal.redis.RedisCalls;
import dev.layerkit.core.time.TimeSource;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How one Redis cache calls Redis: each command bounded by the timeout and cancelled past it,
 * every outcome fed to the circuit breaker, and each failed or skipped operation counted once in
 * {@link #errorCount()}. Shared by the cache's reads and writes ({@link RedisCache}), its pending
 * invalidations ({@link PendingInvalidations}) and its channel ({@link InvalidationChannel}), so
 * that one breaker and one error count describe the cache.
 *
 * <p>Thread-safe.
 */
final class RedisGuard {

  private static final Logger LOG = LoggerFactory.getLogger(RedisGuard.class);

  private final String name;
  private final long timeoutNanos;
  private final TimeSource timeSource;
  private final CircuitBreaker breaker;
  private final LongAdder errors = new LongAdder();
  private volatile boolean failing;

  RedisGuard(String name, long timeoutNanos, TimeSource timeSource, CircuitBreaker breaker) {
    this.name = name;
    this.timeoutNanos = timeoutNanos;
    this.timeSource = timeSource;
    this.breaker = breaker;
  }

  /** Thrown for a failed or timed-out call; caught inside the cache, never escapes it. */
  static final class RemoteFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RemoteFailure(String message, @Nullable Throwable cause) {
      super(message, cause, false, false);
    }
  }

  /** Returns the moment a call starts, for {@link #await}. */
  long start() {
    return timeSource.nanoTime();
  }

  /**
   * Waits for a command within what is left of the timeout since {@code start}, through the
   * breaker; a failure is counted and thrown.
   */
  <T> T await(Future<T> command, long start) {
    try {
      T result = RedisCalls.await(command, timeoutNanos - (timeSource.nanoTime() - start));
      breaker.onSuccess(timeSource.nanoTime() - start, TimeUnit.NANOSECONDS);
      recovered();
      return result;
    } catch (TimeoutException e) {
      throw failed(start, new RemoteFailure("timed out after " + timeoutNanos / 1_000_000 + " ms", e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failed(start, new RemoteFailure("interrupted", e));
    } catch (ExecutionException e) {
      throw failed(start, new RemoteFailure(String.valueOf(e.getCause()), e.getCause()));
    }
  }

  private RemoteFailure failed(long start, RemoteFailure failure) {
    breaker.onError(timeSource.nanoTime() - start, TimeUnit.NANOSECONDS, failure);
    errors.increment();
    if (!failing) {
      failing = true;
      LOG.warn("Redis cache '{}': Redis call failed ({}); reads miss and writes are dropped until it answers",
          name, failure.getMessage());
    }
    return failure;
  }

  private void recovered() {
    if (failing) {
      failing = false;
      LOG.info("Redis cache '{}': Redis answers again", name);
    }
  }

  /** Returns whether the breaker lets a caller's operation through; a refusal counts as an error. */
  boolean permitted() {
    if (breaker.tryAcquirePermission()) {
      return true;
    }
    errors.increment();
    return false;
  }

  /**
   * Returns whether the breaker lets a call through that the cache makes on its own (replaying
   * invalidations after an operation); a refusal is not counted, since the operation that
   * triggered it was counted already.
   */
  boolean permittedQuietly() {
    return breaker.tryAcquirePermission();
  }

  /** Counts an error that was no call, such as bytes that do not decode. */
  void countError() {
    errors.increment();
  }

  long errorCount() {
    return errors.sum();
  }

  long timeoutNanos() {
    return timeoutNanos;
  }

  CircuitBreaker breaker() {
    return breaker;
  }
}
