package dev.layerkit.gateway.ratelimit.internal;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.gateway.ratelimit.Limit;
import dev.layerkit.gateway.ratelimit.RateLimitPolicy;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.List;

/**
 * Exact integer token-bucket arithmetic for a {@link RateLimitPolicy}, decided without locks by
 * the in-memory limiter and mirrored by the Redis script.
 *
 * <h2>Model</h2>
 *
 * <p>Each limit measures time in its unit {@code u} (a microsecond, or a millisecond for very
 * large limits) and keeps a bucket's content as <em>credit</em>: one token is worth {@code P}
 * credit, where {@code P} is the refill period in units. Greedy refill adds {@code r} credit per
 * elapsed unit ({@code r} = refill tokens), so a period adds {@code r * P} credit, that is
 * {@code r} tokens, without any division and so without rounding. Interval refill adds
 * {@code r * P} credit per whole elapsed period and advances its clock by whole periods. Credit
 * never exceeds {@code capacity * P}, which {@link BucketUnit#nanos} keeps at or below 2^53 so Lua's
 * doubles compute the same integers as Java's longs. Every intermediate value is bounded the same
 * way (see the comments in {@link #refill}).
 *
 * <h2>State</h2>
 *
 * <p>One {@code long[]} per key: first each limit's last refill time, in units since the
 * limiter's epoch, and a word for the caller (at {@link #touchedIndex()}); then, eight words on so
 * that they share no cache line with those whatever the array's alignment, each limit's credit;
 * then seven unused words. Decisions read the first words on every call but write them about once
 * per refill; they write the credit on every call. With both in one line, each decision on a hot
 * key fetched the line twice, once to read and once to write ({@code benchmarks/README.md}). The
 * seven words after the credits keep the next object in the heap out of their line too: that is
 * usually the cache entry holding the state (allocated just after it), whose fields every lookup
 * reads, so without them two threads on one key traded the credits' line once for the write and
 * once more for the lookup, in seven array alignments out of eight.
 *
 * <h2>Concurrency</h2>
 *
 * <p>{@link #tryAcquire} decides with atomic operations on the state alone, no lock: a thread
 * descheduled mid-decision holds up no other. Instances are immutable and thread-safe.
 */
public final class BucketArithmetic {

  /** What {@link #tryAcquire} returns when it denies. */
  public static final long DENIED = -1;

  /** An outcome's low bits hold the remaining permits, at most {@link BucketUnit#MAX_EXACT}. */
  private static final int LIMIT_SHIFT = 54;

  /** The most limits a policy can have here, so that an outcome can name the binding one. */
  private static final int MAX_LIMITS = 1 << (63 - LIMIT_SHIFT);

  /**
   * Words from the caller's word to the first credit, and one more than the unused words after the
   * last credit: two words eight apart never share a 64-byte line, wherever the array starts.
   */
  private static final int LINE_LONGS = 8;

  private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

  private final long[] unitNanos;
  private final long[] period;
  private final long[] refill;
  private final long[] capacity;
  private final long[] fullCredit;
  private final long[] fullRefillUnits;
  private final long[] intervalsToFill;
  private final boolean[] greedy;
  private final long minCapacity;
  private final long minUnitNanos;
  private final int touched;
  private final int credits;

  /**
   * Prepares the arithmetic for a policy.
   *
   * @param policy the policy
   * @throws IllegalArgumentException if the policy has more than 512 limits
   */
  public BucketArithmetic(RateLimitPolicy policy) {
    List<Limit> limits = policy.limits();
    int n = limits.size();
    if (n > MAX_LIMITS) {
      throw new IllegalArgumentException(
          "a policy must have at most " + MAX_LIMITS + " limits but had " + n);
    }
    unitNanos = new long[n];
    period = new long[n];
    refill = new long[n];
    capacity = new long[n];
    fullCredit = new long[n];
    fullRefillUnits = new long[n];
    intervalsToFill = new long[n];
    greedy = new boolean[n];
    long smallestUnit = Long.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      Limit limit = limits.get(i);
      unitNanos[i] = BucketUnit.nanos(limit.capacity(), limit.refillTokens(), limit.refillPeriod());
      period[i] = limit.refillPeriod().toNanos() / unitNanos[i];
      refill[i] = limit.refillTokens();
      capacity[i] = limit.capacity();
      fullCredit[i] = capacity[i] * period[i];
      fullRefillUnits[i] = ceilDiv(fullCredit[i], refill[i]);
      intervalsToFill[i] = ceilDiv(capacity[i], refill[i]);
      greedy[i] = limit.refill() == Limit.Refill.GREEDY;
      smallestUnit = Math.min(smallestUnit, unitNanos[i]);
    }
    minCapacity = policy.minCapacity();
    minUnitNanos = smallestUnit;
    touched = n;
    credits = touched + LINE_LONGS;
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
   * @return the state, laid out as the class describes; the caller's word is zero
   */
  public long[] newState(long nowNanos) {
    int n = period.length;
    // LINE_LONGS - 1 unused words after the last credit: no other object shares its line.
    long[] state = new long[credits + n + LINE_LONGS - 1];
    for (int i = 0; i < n; i++) {
      state[i] = units(nowNanos, i);
      state[credits + i] = fullCredit[i];
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
    return touched;
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
      longest = Math.max(longest, intervalsToFill[i] * period[i] * unitNanos[i]);
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
   * have enough, or from none. The caller has checked {@code permits} with
   * {@link #checkPermits(long)}.
   *
   * <p>No lock: a refill first moves its limit's refill time forward by compare-and-swap (the
   * thread that moves it owns the refill for exactly that span, so no span is refilled twice),
   * then adds the span's credit, capped at a full bucket. A take subtracts its credit from each
   * limit with one atomic add; if a limit's credit went negative, it adds back what it took from
   * every limit so far (again capped) and denies. On a hot key one atomic add moves the credit's
   * cache line between cores once, where reading the word and then swapping it failed whenever
   * another thread wrote in between ({@code benchmarks/README.md}).
   *
   * <p>What other threads can observe: a take that lands between another thread's two refill
   * steps sees the credit before that refill, so it is ordered before the refill, as if it had
   * come at the previous refill time. A take that lands while a denied request's credit is out,
   * on this limit or, for a request denied by a later limit, on an earlier one, sees that much
   * less. Either way it is decided on less credit than an exact clock would give, never more.
   * Total credit over any interval is therefore at most a full bucket plus the refill of the time
   * the refill words covered, for every limit, exactly as with a lock; the only difference is
   * that a request racing an in-progress refill or denial may be denied although the credit it
   * needs was there a moment later (it took nothing, and a caller can decide it again).
   *
   * @param state the key's state from {@link #newState(long)}
   * @param nowNanos nanoseconds since the limiter's epoch; a time before a bucket's last refill
   *     refills nothing
   * @param permits the permits asked for
   * @return an outcome for {@link #remaining(long)} and {@link #limit(long)}, or {@link #DENIED}
   */
  public long tryAcquire(long[] state, long nowNanos, long permits) {
    int n = period.length;
    if (n == 1) {
      return tryAcquireOne(state, nowNanos, permits);
    }
    if (n == 2) {
      return tryAcquireTwo(state, nowNanos, permits);
    }
    for (int i = 0; i < n; i++) {
      refill(state, i, units(nowNanos, i));
    }
    long remaining = Long.MAX_VALUE;
    int binding = 0;
    for (int i = 0; i < n; i++) {
      long need = permits * period[i];
      long left = (long) LONGS.getAndAdd(state, credits + i, -need) - need;
      if (left < 0) {
        giveBack(state, i, permits);
        return DENIED;
      }
      long tokens = left / period[i];
      if (binds(i, tokens, binding, remaining)) {
        remaining = tokens;
        binding = i;
      }
    }
    return outcome(remaining, binding);
  }

  /**
   * {@link #tryAcquire} for a policy of one limit (most policies): the general loops measured
   * 3 ns (a fifth) slower for one limit on one thread. Limit 0's outcome is the remaining count.
   */
  private long tryAcquireOne(long[] state, long nowNanos, long permits) {
    refill(state, 0, units(nowNanos, 0));
    long need = permits * period[0];
    long left = (long) LONGS.getAndAdd(state, credits, -need) - need;
    if (left < 0) {
      addCredit(state, 0, need);
      return DENIED;
    }
    return left / period[0];
  }

  /**
   * {@link #tryAcquire} for a policy of two limits: the two atomic adds come one right after the
   * other, before the divisions that turn credit into tokens, so that on a hot key the credits'
   * line is held for both. In the general loop a division sat between them, a window in which
   * another thread could take the line, and then the second add fetched it again.
   */
  private long tryAcquireTwo(long[] state, long nowNanos, long permits) {
    refill(state, 0, units(nowNanos, 0));
    refill(state, 1, units(nowNanos, 1));
    long need0 = permits * period[0];
    long need1 = permits * period[1];
    long left0 = (long) LONGS.getAndAdd(state, credits, -need0) - need0;
    if (left0 < 0) {
      addCredit(state, 0, need0);
      return DENIED;
    }
    long left1 = (long) LONGS.getAndAdd(state, credits + 1, -need1) - need1;
    if (left1 < 0) {
      giveBack(state, 1, permits);
      return DENIED;
    }
    long tokens0 = left0 / period[0];
    long tokens1 = left1 / period[1];
    return binds(1, tokens1, 0, tokens0) ? outcome(tokens1, 1) : outcome(tokens0, 0);
  }

  /**
   * Returns, as an outcome, the bucket with the fewest whole tokens now (the one with the smaller
   * capacity on a tie) and that number: what a denial reports. Reads each credit once, so under
   * concurrent updates it describes a moment during the call.
   *
   * @param state the key's state
   * @return an outcome for {@link #remaining(long)} and {@link #limit(long)}
   */
  public long current(long[] state) {
    long remaining = Long.MAX_VALUE;
    int binding = 0;
    for (int i = 0; i < period.length; i++) {
      // Below zero only while denied requests return what they overdrew.
      long tokens = Math.max(0, (long) LONGS.getVolatile(state, credits + i)) / period[i];
      if (binds(i, tokens, binding, remaining)) {
        remaining = tokens;
        binding = i;
      }
    }
    return outcome(remaining, binding);
  }

  /**
   * Returns an outcome's remaining permits.
   *
   * @param outcome from {@link #tryAcquire} (not {@link #DENIED}) or {@link #current}
   * @return whole tokens left in the binding bucket
   */
  public static long remaining(long outcome) {
    return outcome & (BucketUnit.MAX_EXACT * 2 - 1);
  }

  /**
   * Returns the capacity of an outcome's binding limit: the one with the fewest tokens left.
   *
   * @param outcome from {@link #tryAcquire} (not {@link #DENIED}) or {@link #current}
   * @return that limit's capacity
   */
  public long limit(long outcome) {
    return capacity[(int) (outcome >>> LIMIT_SHIFT)];
  }

  /**
   * Returns, for a state whose {@link #tryAcquire} just denied {@code permits}, how long until
   * every limit has them: the longest wait across the limits, read word by word, so under
   * concurrent updates it describes a moment during the call. At least one time unit.
   *
   * @param state the key's state
   * @param nowNanos the time the denial was decided at, nanoseconds since the limiter's epoch
   * @param permits the permits that were denied
   * @return the wait in nanoseconds, positive
   */
  public long retryAfterNanos(long[] state, long nowNanos, long permits) {
    long longest = minUnitNanos;
    for (int i = 0; i < period.length; i++) {
      long credit = Math.max(0, (long) LONGS.getVolatile(state, credits + i));
      long deficit = permits * period[i] - credit;
      if (deficit <= 0) {
        continue;
      }
      long units;
      if (greedy[i]) {
        units = ceilDiv(deficit, refill[i]);
      } else {
        long last = (long) LONGS.getVolatile(state, i);
        long periodsNeeded = ceilDiv(ceilDiv(deficit, period[i]), refill[i]);
        units = last + periodsNeeded * period[i] - units(nowNanos, i);
      }
      longest = Math.max(longest, units * unitNanos[i]);
    }
    return longest;
  }

  /**
   * Whether limit {@code i}, with {@code tokens} left, binds rather than the limit found so far:
   * fewer tokens, or as many in a smaller bucket.
   */
  private boolean binds(int i, long tokens, int binding, long remaining) {
    return tokens < remaining || (tokens == remaining && capacity[i] < capacity[binding]);
  }

  /** Returns where limit {@code i}'s credit is in a state array; for tests. */
  int creditIndex(int i) {
    return credits + i;
  }

  private static long outcome(long remaining, int binding) {
    return ((long) binding << LIMIT_SHIFT) | remaining;
  }

  private long units(long nowNanos, int i) {
    // Constant divisors compile to a multiply and shift; the unit is one of two values.
    return unitNanos[i] == 1_000 ? nowNanos / 1_000 : nowNanos / 1_000_000;
  }

  private void refill(long[] state, int i, long now) {
    while (true) {
      long last = (long) LONGS.getVolatile(state, i);
      long elapsed = now - last;
      if (elapsed <= 0) {
        return;
      }
      long next;
      long added;
      if (greedy[i]) {
        next = now;
        // Below the full-refill time elapsed * r < full + r <= 2^54: no overflow.
        added = elapsed >= fullRefillUnits[i] ? fullCredit[i] : elapsed * refill[i];
      } else {
        long periods = elapsed / period[i];
        if (periods == 0) {
          return;
        }
        next = last + periods * period[i];
        added = periods >= intervalsToFill[i] ? fullCredit[i] : periods * refill[i] * period[i];
      }
      if (LONGS.compareAndSet(state, i, last, next)) {
        addCredit(state, i, added);
        return;
      }
    }
  }

  /** Returns what a denied request took from limits 0 to {@code last}: it takes nothing. */
  private void giveBack(long[] state, int last, long permits) {
    for (int i = 0; i <= last; i++) {
      addCredit(state, i, permits * period[i]);
    }
  }

  /** Adds credit up to a full bucket; adds commute with one another and with the cap. */
  private void addCredit(long[] state, int i, long added) {
    int slot = credits + i;
    long full = fullCredit[i];
    long credit = (long) LONGS.getVolatile(state, slot);
    while (credit < full) {
      long next = Math.min(full, credit + added);
      long witness = (long) LONGS.compareAndExchange(state, slot, credit, next);
      if (witness == credit) {
        return;
      }
      credit = witness;
    }
  }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }
}
