package dev.layerkit.gateway.ratelimit;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Decides whether a caller, identified by a key, may proceed now.
 *
 * <p>Each key has its own buckets, one per limit of the {@link #policy()}; a request is allowed
 * only if every limit has the permits, and then takes them from all of them at once (nothing is
 * taken on a denial). Implementations are thread-safe.
 *
 * <pre>{@code
 * RateLimiter limiter = RateLimiters.inMemory(RateLimitPolicy.builder()
 *     .limit(Limit.perMinute(100))
 *     .limit(Limit.perSecond(10))
 *     .build()).build();
 * RateLimitDecision decision = limiter.tryAcquire(apiKey);
 * if (!decision.allowed()) {
 *   respond(429, "Retry-After", decision.retryAfter().toSeconds() + 1);
 * }
 * }</pre>
 */
public interface RateLimiter {

  /**
   * Tries to take one permit for {@code key}.
   *
   * @param key who the request counts against; not empty
   * @return the decision
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if {@code key} is empty
   */
  default RateLimitDecision tryAcquire(String key) {
    return tryAcquire(key, 1);
  }

  /**
   * Tries to take {@code permits} permits for {@code key}, all or none.
   *
   * @param key who the request counts against; not empty
   * @param permits how many permits, from 1 to the smallest capacity of the policy's limits
   * @return the decision
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if {@code key} is empty, or {@code permits} is not positive
   *     or exceeds a limit's capacity (such a request could never be allowed)
   */
  RateLimitDecision tryAcquire(String key, long permits);

  /**
   * Tries to take one permit for {@code key}, without blocking the caller; the same as
   * {@code tryAcquireAsync(key, 1)}.
   *
   * @param key who the request counts against; not empty
   * @return the decision, now or later
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if {@code key} is empty
   */
  default CompletionStage<RateLimitDecision> tryAcquireAsync(String key) {
    return tryAcquireAsync(key, 1);
  }

  /**
   * Tries to take {@code permits} permits for {@code key}, all or none, without blocking the
   * caller: the decision {@link #tryAcquire(String, long)} would give, in a stage that completes
   * when the backend answers.
   *
   * <p>Bad arguments are thrown at once, before anything is asked. A backend that fails or does
   * not answer in time completes the stage the way the backend documents: with its fail-mode
   * decision (the Redis backend's {@link FailMode}), or exceptionally. The stage may already be
   * complete when this method returns (an in-memory backend always is), and then a dependent
   * action added to it runs on the caller's thread; otherwise dependent actions run on the thread
   * that completes it (the backend's I/O or timer thread), where they must not block either. The
   * returned stage may be shared between calls and cannot be completed by the caller.
   *
   * <p>Thread-safe. The default calls {@link #tryAcquire(String, long)} on the calling thread and
   * returns its decision as a completed stage, or a failed stage if it throws anything but a
   * {@link NullPointerException} or {@link IllegalArgumentException} (bad arguments, rethrown). It
   * suits limiters that decide in memory; one whose {@code tryAcquire} waits for I/O must override
   * this method, or it blocks its caller.
   *
   * @param key who the request counts against; not empty
   * @param permits how many permits, from 1 to the smallest capacity of the policy's limits
   * @return the decision, now or later
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if {@code key} is empty, or {@code permits} is not positive
   *     or exceeds a limit's capacity (such a request could never be allowed)
   */
  default CompletionStage<RateLimitDecision> tryAcquireAsync(String key, long permits) {
    RateLimitDecision decision;
    try {
      decision = tryAcquire(key, permits);
    } catch (NullPointerException | IllegalArgumentException badArgument) {
      throw badArgument;
    } catch (RuntimeException e) {
      return CompletableFuture.failedStage(e);
    }
    return CompletableFuture.completedStage(decision);
  }

  /**
   * Returns the policy this limiter enforces.
   *
   * @return the policy
   */
  RateLimitPolicy policy();
}
