package dev.layerkit.gateway.ratelimit.internal;

import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import java.time.Duration;
import java.util.List;

/**
 * Exact integer token-bucket arithmetic for a {@link RateLimitPolicy}, shared by the in-memory
 * limiter and mirrored line for line by the Redis script.
 *
 * <h2>Model</h2>
 *
 * <p>Each limit measures time in its unit {@code u} (a microsecond, or a millisecond for very
 * large limits) and keeps a bucket's content as <em>credit</em>: one token is worth {@code P}
 * credit, where {@code P} is the refill period in units. Greedy refill adds {@code r} credit per
 * elapsed unit ({@code r} = refill tokens), so a period adds {@code r * P} credit, that is
 * {@code r} tokens, without any division and so without rounding. Interval refill adds
 * {@code r * P} credit per whole elapsed period and advances its clock by whole periods. Credit
 * never exceeds {@code capacity * P}, which {@link #unitNanos} keeps at or below 2^53 so Lua's
 * doubles compute the same integers as Java's longs. Every intermediate value is bounded the same
 * way (see the comments in {@link #refill}).
 *
 * <h2>State</h2>
 *
 * <p>Two longs per limit: {@code state[2i]} is the credit, {@code state[2i+1]} the time of the last
 * refill in units since the limiter's epoch. A request takes {@code permits * P} credit from every
 * limit, or from none. Three more longs at the end receive the outcome of the last
 * {@link #tryAcquire}, so that a decision is computed without allocating (see
 * {@link #REMAINING}, {@link #LIMIT}, {@link #RETRY_AFTER_NANOS}), and a last one is left for the
 * caller's lock ({@link #LOCK}).
 *
 * <p>Instances are immutable and thread-safe; callers serialize access to one key's state array.
 */
public final class BucketArithmetic {

  /** Offset from the end of a state array of the remaining permits of the last decision. */
  public static final int REMAINING = 4;

  /** Offset from the end of a state array of the binding limit's capacity of the last decision. */
  public static final int LIMIT = 3;

  /**
   * Offset from the end of a state array of the last decision's retry-after in nanoseconds:
   * 0 if it allowed, positive if it denied.
   */
  public static final int RETRY_AFTER_NANOS = 2;

  /**
   * Offset from the end of a state array of a word callers may use as a lock (0 free, 1 held);
   * the arithmetic never touches it.
   */
  public static final int LOCK = 1;

  /** The largest integer a double holds exactly: every credit value stays at or below it. */
  public static final long MAX_EXACT = 1L << 53;

  private final long[] unitNanos;
  private final long[] period;
  private final long[] refill;
  private final long[] capacity;
  private final long[] fullCredit;
  private final long[] fullRefillUnits;
  private final boolean[] greedy;
  private final long minCapacity;

  /**
   * Prepares the arithmetic for a policy.
   *
   * @param policy the policy
   */
  public BucketArithmetic(RateLimitPolicy policy) {
    List<Limit> limits = policy.limits();
    int n = limits.size();
    unitNanos = new long[n];
    period = new long[n];
    refill = new long[n];
    capacity = new long[n];
    fullCredit = new long[n];
    fullRefillUnits = new long[n];
    greedy = new boolean[n];
    for (int i = 0; i < n; i++) {
      Limit limit = limits.get(i);
      unitNanos[i] = unitNanos(limit.capacity(), limit.refillTokens(), limit.refillPeriod());
      period[i] = limit.refillPeriod().toNanos() / unitNanos[i];
      refill[i] = limit.refillTokens();
      capacity[i] = limit.capacity();
      fullCredit[i] = capacity[i] * period[i];
      fullRefillUnits[i] = ceilDiv(fullCredit[i], refill[i]);
      greedy[i] = limit.refill() == Limit.Refill.GREEDY;
    }
    minCapacity = policy.minCapacity();
  }

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
  public static long unitNanos(long capacity, long refillTokens, Duration refillPeriod) {
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

  /**
   * Returns the number of limits.
   *
   * @return the limit count
   */
  public int limits() {
    return period.length;
  }

  /**
   * Returns a new state array with every bucket full as of {@code nowNanos}.
   *
   * @param nowNanos nanoseconds since the limiter's epoch, not negative
   * @return the state, two longs per limit, three for the outcome and a lock word
   */
  public long[] newState(long nowNanos) {
    long[] state = new long[2 * period.length + 4];
    for (int i = 0; i < period.length; i++) {
      state[2 * i] = fullCredit[i];
      state[2 * i + 1] = nowNanos / unitNanos[i];
    }
    return state;
  }

  /**
   * Returns how long an untouched bucket takes to refill completely from empty: after that long
   * without requests, a key's state equals a new one and may be dropped.
   *
   * @return the longest full-refill time across the limits, in nanoseconds
   */
  public long fullRefillNanos() {
    long longest = 0;
    for (int i = 0; i < period.length; i++) {
      long periods = ceilDiv(capacity[i], refill[i]);
      longest = Math.max(longest, periods * period[i] * unitNanos[i]);
    }
    return longest;
  }

  /**
   * Checks a permit count against the policy.
   *
   * @param permits the permits asked for
   * @throws IllegalArgumentException if {@code permits} is not positive or exceeds the smallest
   *     capacity, so could never be granted
   */
  public void checkPermits(long permits) {
    if (permits <= 0) {
      throw new IllegalArgumentException("permits must be > 0 but was " + permits);
    }
    if (permits > minCapacity) {
      throw new IllegalArgumentException("permits must be <= the smallest capacity " + minCapacity
          + " (a larger request could never be allowed) but was " + permits);
    }
  }

  /**
   * Refills every bucket to {@code nowNanos}, then takes {@code permits} from all of them if all
   * have enough, and writes the outcome into the last three slots of {@code state}. The caller has
   * checked {@code permits} with {@link #checkPermits(long)} and holds exclusive access to
   * {@code state} until it has read the outcome.
   *
   * @param state the key's state, updated in place
   * @param nowNanos nanoseconds since the limiter's epoch; a time before a bucket's last refill
   *     (read by a thread that was overtaken on the way to the key's lock) refills nothing
   * @param permits the permits asked for
   */
  public void tryAcquire(long[] state, long nowNanos, long permits) {
    int n = period.length;
    boolean allowed = true;
    long retryAfterNanos = 0;
    for (int i = 0; i < n; i++) {
      // Constant divisors compile to a multiply and shift; the unit is one of two values.
      long now = unitNanos[i] == 1_000 ? nowNanos / 1_000 : nowNanos / 1_000_000;
      refill(state, i, now);
      long need = permits * period[i];
      if (state[2 * i] < need) {
        allowed = false;
        retryAfterNanos = Math.max(retryAfterNanos, waitUnits(state, i, now, need) * unitNanos[i]);
      }
    }
    long remaining = Long.MAX_VALUE;
    long limit = 0;
    for (int i = 0; i < n; i++) {
      if (allowed) {
        state[2 * i] -= permits * period[i];
      }
      long tokens = state[2 * i] / period[i];
      if (tokens < remaining || (tokens == remaining && capacity[i] < limit)) {
        remaining = tokens;
        limit = capacity[i];
      }
    }
    int end = state.length;
    state[end - REMAINING] = remaining;
    state[end - LIMIT] = limit;
    state[end - RETRY_AFTER_NANOS] = allowed ? 0 : retryAfterNanos;
  }

  private void refill(long[] state, int i, long now) {
    long credit = state[2 * i];
    long last = state[2 * i + 1];
    long elapsed = now - last;
    if (elapsed <= 0) {
      return;
    }
    long missing = fullCredit[i] - credit;
    if (greedy[i]) {
      // Below the full-refill time, elapsed * r <= full + r < 2^54: no overflow, and no division.
      long added = elapsed >= fullRefillUnits[i] ? missing : elapsed * refill[i];
      state[2 * i] = added >= missing ? fullCredit[i] : credit + added;
      state[2 * i + 1] = now;
    } else {
      long periods = elapsed / period[i];
      if (periods == 0) {
        return;
      }
      // Credit is a whole number of tokens here; add whole periods' tokens, at most up to full.
      long missingTokens = missing / period[i];
      long addTokens = periods >= ceilDiv(missingTokens, refill[i]) ? missingTokens : periods * refill[i];
      state[2 * i] = credit + addTokens * period[i];
      state[2 * i + 1] = last + periods * period[i];
    }
  }

  private long waitUnits(long[] state, int i, long now, long need) {
    long deficit = need - state[2 * i];
    if (greedy[i]) {
      return ceilDiv(deficit, refill[i]);
    }
    long periodsNeeded = ceilDiv(ceilDiv(deficit, period[i]), refill[i]);
    return state[2 * i + 1] + periodsNeeded * period[i] - now;
  }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }
}
