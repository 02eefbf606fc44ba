package dev.layerkit.gateway.ratelimit.internal;

import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
 * {@link #REMAINING}, {@link #LIMIT}, {@link #RETRY_AFTER_NANOS}), and two are left for the
 * caller: a time (at {@link #touchedIndex()}) and a lock ({@link #LOCK}). A single-limit state
 * decided by {@link #tryAcquireLockFree} is laid out differently (see there).
 *
 * <h2>Concurrency</h2>
 *
 * <p>{@link #tryAcquire} works on plain fields: callers serialize access to one key's state array,
 * for example with the {@link #LOCK} word. A policy of a single limit can instead be decided
 * without any lock by {@link #tryAcquireLockFree}, which needs no outcome slots (see there).
 *
 * <p>Instances are immutable and thread-safe.
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

  /** What {@link #tryAcquireLockFree} returns when it denies. */
  public static final long DENIED = -1;

  private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
  // The lock-free layout: no outcome slots or lock, and the credit, which every decision writes,
  // a cache line away from the two words decisions only read (eight longs on, whatever the
  // array's alignment). In one line, each decision on a hot key fetched the line twice, once for
  // the refill-time read, once for the write; apart, that read hits. On two threads this measured
  // about 7% faster, for 48 more bytes a key (benchmarks/README.md).
  static final int LAST_REFILL = 0;
  private static final int LOCK_FREE_TOUCHED = 1;
  static final int CREDIT = 8;
  private static final int LOCK_FREE_LENGTH = 9;

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
   * @return the state: for several limits two longs per limit, then the caller's time, three for
   *     the outcome and the caller's lock word; for one limit, the lock-free layout
   */
  public long[] newState(long nowNanos) {
    if (singleLimit()) {
      long[] state = new long[LOCK_FREE_LENGTH];
      state[CREDIT] = fullCredit[0];
      state[LAST_REFILL] = nowNanos / unitNanos[0];
      return state;
    }
    long[] state = new long[2 * period.length + 5];
    for (int i = 0; i < period.length; i++) {
      state[2 * i] = fullCredit[i];
      state[2 * i + 1] = nowNanos / unitNanos[i];
    }
    return state;
  }

  /**
   * Returns the index in a state array of a word callers may use to remember a time, such as
   * when they last renewed the entry holding the state; the arithmetic never touches it.
   *
   * @return the index
   */
  public int touchedIndex() {
    return singleLimit() ? LOCK_FREE_TOUCHED : 2 * period.length;
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
    Arguments.positive(permits, "permits");
    if (permits > minCapacity) {
      throw new IllegalArgumentException("permits must be <= the smallest capacity " + minCapacity
          + " (a larger request could never be allowed) but was " + permits);
    }
  }

  /**
   * Refills every bucket to {@code nowNanos}, then takes {@code permits} from all of them if all
   * have enough, and writes the outcome into the last three slots of {@code state}. The caller has
   * checked {@code permits} with {@link #checkPermits(long)} and holds exclusive access to
   * {@code state} until it has read the outcome. For a policy of several limits: one limit is
   * decided by {@link #tryAcquireLockFree}.
   *
   * @param state the key's state, updated in place
   * @param nowNanos nanoseconds since the limiter's epoch; a time before a bucket's last refill
   *     (read by a thread that was overtaken on the way to the key's lock) refills nothing
   * @param permits the permits asked for
   */
  public void tryAcquire(long[] state, long nowNanos, long permits) {
    if (singleLimit()) {
      throw new IllegalStateException("a single-limit state is laid out for tryAcquireLockFree");
    }
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

  /**
   * Returns whether the policy has a single limit, so that {@link #tryAcquireLockFree} applies.
   *
   * @return whether there is one limit
   */
  public boolean singleLimit() {
    return period.length == 1;
  }

  /**
   * Decides for a policy of a single limit without a lock: refills the bucket to
   * {@code nowNanos}, then takes {@code permits} if it holds enough. The caller has checked
   * {@code permits} with {@link #checkPermits(long)}; the state must only ever be updated by this
   * method (never by {@link #tryAcquire}).
   *
   * <p>Two words change, neither under a lock. A refill first moves the refill time forward by
   * compare-and-swap (the thread that moves it owns the refill for exactly that span, so no span
   * is refilled twice), then adds the span's credit, capped at a full bucket. A take subtracts its
   * credit with one atomic add and keeps it if the credit did not go negative; otherwise it adds
   * it back (again capped) and denies. On a hot key one atomic add moves the credit's cache line
   * between cores once, where reading the word and then swapping it moved it twice (a third
   * slower on two threads, {@code benchmarks/README.md}).
   *
   * <p>What other threads can observe: a take that lands between another thread's two refill
   * steps sees the credit before that refill, so it is ordered before the refill, as if it had
   * come at the previous refill time. A take that lands while a denied request's credit is out
   * sees that much less. Either way it is decided on less credit than an exact clock would give,
   * never more. Total credit over any interval is therefore at most a full bucket plus the refill
   * of the time the refill words covered, exactly as with a lock; the only difference is that a
   * request racing an in-progress refill or denial may be denied although the credit it needs was
   * there a moment later (it took nothing, and a caller can decide it again).
   *
   * <p>The state array holds the refill time, the caller's time (at {@link #touchedIndex()}) and,
   * a cache line away, the credit.
   *
   * @param state the key's state from {@link #newState(long)}
   * @param nowNanos nanoseconds since the limiter's epoch; a time before the bucket's last refill
   *     refills nothing
   * @param permits the permits asked for
   * @return the permits remaining after an allowed request, or {@link #DENIED}
   */
  public long tryAcquireLockFree(long[] state, long nowNanos, long permits) {
    long now = unitNanos[0] == 1_000 ? nowNanos / 1_000 : nowNanos / 1_000_000;
    refillLockFree(state, now);
    long need = permits * period[0];
    long left = (long) LONGS.getAndAdd(state, CREDIT, -need) - need;
    if (left >= 0) {
      return left / period[0];
    }
    addCredit(state, need);
    return DENIED;
  }

  /**
   * Returns, for a state updated by {@link #tryAcquireLockFree}, the remaining permits as of now.
   *
   * @param state the key's state
   * @return whole tokens in the bucket
   */
  public long remainingLockFree(long[] state) {
    // Below zero only while denied requests return what they overdrew.
    return Math.max(0, (long) LONGS.getVolatile(state, CREDIT)) / period[0];
  }

  /**
   * Returns, for a state updated by {@link #tryAcquireLockFree} that just denied
   * {@code permits}, how long until they are there: read from the two words one after the other,
   * so under concurrent updates it describes a moment during the call. At least one time unit.
   *
   * @param state the key's state
   * @param nowNanos the time the denial was decided at, nanoseconds since the limiter's epoch
   * @param permits the permits that were denied
   * @return the wait in nanoseconds, positive
   */
  public long retryAfterNanosLockFree(long[] state, long nowNanos, long permits) {
    long now = unitNanos[0] == 1_000 ? nowNanos / 1_000 : nowNanos / 1_000_000;
    long last = (long) LONGS.getVolatile(state, LAST_REFILL);
    long credit = Math.max(0, (long) LONGS.getVolatile(state, CREDIT));
    long deficit = permits * period[0] - credit;
    long units;
    if (deficit <= 0) {
      units = 1;
    } else if (greedy[0]) {
      units = ceilDiv(deficit, refill[0]);
    } else {
      long periodsNeeded = ceilDiv(ceilDiv(deficit, period[0]), refill[0]);
      units = Math.max(1, last + periodsNeeded * period[0] - now);
    }
    return units * unitNanos[0];
  }

  private void refillLockFree(long[] state, long now) {
    while (true) {
      long last = (long) LONGS.getVolatile(state, LAST_REFILL);
      long elapsed = now - last;
      if (elapsed <= 0) {
        return;
      }
      long next;
      long added;
      if (greedy[0]) {
        next = now;
        // Below the full-refill time elapsed * r < full + r: no overflow.
        added = elapsed >= fullRefillUnits[0] ? fullCredit[0] : elapsed * refill[0];
      } else {
        long periods = elapsed / period[0];
        if (periods == 0) {
          return;
        }
        next = last + periods * period[0];
        added = periods >= ceilDiv(capacity[0], refill[0]) ? fullCredit[0] : periods * refill[0] * period[0];
      }
      if (LONGS.compareAndSet(state, LAST_REFILL, last, next)) {
        addCredit(state, added);
        return;
      }
    }
  }

  /** Adds credit up to a full bucket; adds commute with one another and with the cap. */
  private void addCredit(long[] state, long added) {
    long full = fullCredit[0];
    long credit = (long) LONGS.getVolatile(state, CREDIT);
    while (credit < full) {
      long witness = (long) LONGS.compareAndExchange(state, CREDIT, credit, Math.min(full, credit + added));
      if (witness == credit) {
        return;
      }
      credit = witness;
    }
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
