package dev.layerkit.gateway.ratelimit;

import dev.layerkit.core.internal.Arguments;
import java.time.Duration;

/**
 * The answer to one {@link RateLimiter#tryAcquire(String, long)}: whether the request may
 * proceed, how many permits are left, and when to retry if it may not.
 *
 * <p>The numbers fill the response headers of the IETF httpapi rate-limit-headers draft, which
 * the {@link dev.layerkit.gateway.http.Gateway} sends on a 429 (allowed responses carry none):
 *
 * <ul>
 *   <li>{@code RateLimit-Limit}: {@link #limit()}, the capacity of the limit that decided;
 *   <li>{@code RateLimit-Remaining}: {@link #remaining()}, the permits left in that limit;
 *   <li>{@code RateLimit-Reset}: {@link #retryAfter()} in whole seconds, rounded up and at least
 *       1. It is a delay from now, not a point in time, and it is when the permits asked for will
 *       be there if nobody else takes them &mdash; not when the bucket is full again;
 *   <li>{@code Retry-After}: the same number of seconds, for clients that know only RFC 9110.
 * </ul>
 *
 * <p>See {@link dev.layerkit.gateway.http.Route} for how the gateway keys a request. Immutable and
 * thread-safe.
 */
public final class RateLimitDecision {

  private final boolean allowed;
  private final long remaining;
  private final long limit;
  private final long retryAfterNanos;

  /** Unchecked: for limiters of this package, whose arithmetic guarantees the ranges. */
  RateLimitDecision(boolean allowed, long remaining, long limit, long retryAfterNanos) {
    this.allowed = allowed;
    this.remaining = remaining;
    this.limit = limit;
    this.retryAfterNanos = retryAfterNanos;
  }

  /**
   * Returns an allowing decision.
   *
   * @param remaining permits left after this one, in the most constrained limit
   * @param limit the capacity of that limit
   * @return the decision
   * @throws IllegalArgumentException if {@code remaining} is negative or {@code limit} not positive
   */
  public static RateLimitDecision allowed(long remaining, long limit) {
    check(remaining, limit);
    return new RateLimitDecision(true, remaining, limit, 0);
  }

  /**
   * Returns a denying decision.
   *
   * @param remaining permits available now, in the most constrained limit (fewer than asked)
   * @param limit the capacity of that limit
   * @param retryAfterNanos nanoseconds until the requested permits will be available if nobody
   *     else takes them; positive
   * @return the decision
   * @throws IllegalArgumentException if a number is out of range
   */
  public static RateLimitDecision denied(long remaining, long limit, long retryAfterNanos) {
    check(remaining, limit);
    Arguments.positive(retryAfterNanos, "retryAfterNanos");
    return new RateLimitDecision(false, remaining, limit, retryAfterNanos);
  }

  private static void check(long remaining, long limit) {
    Arguments.notNegative(remaining, "remaining");
    Arguments.positive(limit, "limit");
  }

  /**
   * Returns whether the permits were granted (and taken).
   *
   * @return true if the request may proceed
   */
  public boolean allowed() {
    return allowed;
  }

  /**
   * Returns how many permits are left: after this request if it was allowed, or available now if
   * it was denied. With several limits, the smallest across them.
   *
   * @return the remaining permits, at least 0
   */
  public long remaining() {
    return remaining;
  }

  /**
   * Returns the capacity of the limit that {@link #remaining()} refers to.
   *
   * @return the limit's capacity
   */
  public long limit() {
    return limit;
  }

  /**
   * Returns how long to wait until the requested permits will be available, assuming no one else
   * takes them; {@link Duration#ZERO} when allowed. Exact to the limit's time unit (a microsecond,
   * or a millisecond for very large limits), rounded up.
   *
   * @return the wait
   */
  public Duration retryAfter() {
    return retryAfterNanos == 0 ? Duration.ZERO : Duration.ofNanos(retryAfterNanos);
  }

  /**
   * Returns {@link #retryAfter()} in nanoseconds, without allocating.
   *
   * @return the wait in nanoseconds, 0 when allowed
   */
  public long retryAfterNanos() {
    return retryAfterNanos;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RateLimitDecision other
        && allowed == other.allowed
        && remaining == other.remaining
        && limit == other.limit
        && retryAfterNanos == other.retryAfterNanos;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(remaining) * 31 + Long.hashCode(retryAfterNanos) + (allowed ? 1 : 0);
  }

  @Override
  public String toString() {
    return allowed
        ? "RateLimitDecision{allowed, remaining=" + remaining + ", limit=" + limit + '}'
        : "RateLimitDecision{denied, remaining=" + remaining + ", limit=" + limit + ", retryAfter=" + retryAfter() + '}';
  }
}
