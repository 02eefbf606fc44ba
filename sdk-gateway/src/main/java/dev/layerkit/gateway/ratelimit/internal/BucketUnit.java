package dev.layerkit.gateway.ratelimit.internal;

import java.time.Duration;

/**
 * The time unit a token bucket is counted in, chosen so that its arithmetic stays exact in Java's
 * longs and in Redis Lua's doubles alike. {@code Limit} calls it to reject a limit no unit counts
 * exactly; {@link BucketArithmetic} and the Redis script count in it. It depends on no API type,
 * so that {@code Limit} can use it without a cycle through {@link BucketArithmetic}.
 */
public final class BucketUnit {

  /** The largest integer a double holds exactly: every credit value stays at or below it. */
  public static final long MAX_EXACT = 1L << 53;

  private BucketUnit() {}

  /**
   * Returns the time unit, in nanoseconds, in which a limit can be counted exactly: a microsecond
   * if {@code max(capacity, refillTokens) * period} in microseconds is at most 2^53, else a
   * millisecond if the period is a whole number of milliseconds and the product fits.
   *
   * @param capacity the bucket size
   * @param refillTokens tokens per period
   * @param refillPeriod the period
   * @return 1,000 or 1,000,000
   * @throws IllegalArgumentException if no unit counts the limit exactly
   */
  public static long nanos(long capacity, long refillTokens, Duration refillPeriod) {
    long nanos = refillPeriod.toNanos();
    long largest = Math.max(capacity, refillTokens);
    boolean wholeMicros = nanos % 1_000 == 0;
    boolean wholeMillis = nanos % 1_000_000 == 0;
    if (wholeMicros && largest <= MAX_EXACT / (nanos / 1_000)) {
      return 1_000;
    }
    if (wholeMillis && largest <= MAX_EXACT / (nanos / 1_000_000)) {
      return 1_000_000;
    }
    if (!wholeMicros) {
      throw new IllegalArgumentException(
          "refillPeriod must be a whole number of microseconds but was " + refillPeriod);
    }
    throw new IllegalArgumentException("capacity " + capacity + " with refill " + refillTokens + " per "
        + refillPeriod + " is too large to count exactly: the larger of capacity and refillTokens times the period in "
        + (wholeMillis ? "milliseconds" : "microseconds") + " must be at most 2^53");
  }
}
