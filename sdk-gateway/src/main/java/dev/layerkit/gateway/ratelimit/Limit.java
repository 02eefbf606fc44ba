package dev.layerkit.gateway.ratelimit;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.gateway.ratelimit.internal.BucketUnit;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * One token-bucket limit: a bucket of {@code capacity} tokens refilled with {@code refillTokens}
 * every {@code refillPeriod}, either smoothly (greedy) or all at once at the end of each period
 * (interval).
 *
 * <p>Greedy refill ({@link #perSecond(long)}, {@link #greedy(long, long, Duration)}) adds tokens
 * continuously, one every {@code refillPeriod / refillTokens}, so bursts are bounded by the
 * capacity and the long-run rate by the refill. Interval refill
 * ({@link #interval(long, long, Duration)}) adds all {@code refillTokens} at once when a period
 * ends, like a fixed window counter whose unused tokens carry over up to the capacity.
 *
 * <h2>Exactness</h2>
 *
 * <p>Buckets are kept in integer arithmetic, so no rounding ever admits a request early. To stay
 * exact in Redis's Lua (whose numbers are doubles, exact to 2^53), a limit measures time in
 * microseconds, or in milliseconds when {@code capacity * period} in microseconds would exceed
 * 2^53 (about 100,000 tokens per day); a limit whose period is not a whole number of milliseconds
 * and that is too large for microseconds is rejected. Periods range from 1 ms to 366 days.
 *
 * <p>Immutable and thread-safe.
 */
public final class Limit {

  /** The shortest refill period. */
  public static final Duration MIN_PERIOD = Duration.ofMillis(1);

  /** The longest refill period. */
  public static final Duration MAX_PERIOD = Duration.ofDays(366);

  /** How a limit's bucket refills. */
  public enum Refill {
    /** Tokens are added continuously, spread evenly over the period. */
    GREEDY,
    /** All of a period's tokens are added at once when the period ends. */
    INTERVAL
  }

  private final long capacity;
  private final long refillTokens;
  private final Duration refillPeriod;
  private final Refill refill;

  private Limit(long capacity, long refillTokens, Duration refillPeriod, Refill refill) {
    Arguments.positive(capacity, "capacity");
    Arguments.positive(refillTokens, "refillTokens");
    Objects.requireNonNull(refillPeriod, "refillPeriod");
    if (refillPeriod.compareTo(MIN_PERIOD) < 0 || refillPeriod.compareTo(MAX_PERIOD) > 0) {
      throw new IllegalArgumentException(
          "refillPeriod must be between " + MIN_PERIOD + " and " + MAX_PERIOD + " but was " + refillPeriod);
    }
    this.capacity = capacity;
    this.refillTokens = refillTokens;
    this.refillPeriod = refillPeriod;
    this.refill = refill;
    // Validates that the bucket can be counted exactly; the unit itself is derived again where
    // the arithmetic happens.
    BucketUnit.nanos(capacity, refillTokens, refillPeriod);
  }

  /**
   * Returns a greedy limit of {@code capacity} tokens refilled with {@code refillTokens} spread
   * over each {@code refillPeriod}.
   *
   * @param capacity the bucket size, the largest burst
   * @param refillTokens tokens added per period
   * @param refillPeriod the period
   * @return the limit
   * @throws IllegalArgumentException if a number is not positive, the period is outside
   *     [{@link #MIN_PERIOD}, {@link #MAX_PERIOD}], or the limit is too large to count exactly
   * @throws NullPointerException if {@code refillPeriod} is null
   */
  public static Limit greedy(long capacity, long refillTokens, Duration refillPeriod) {
    return new Limit(capacity, refillTokens, refillPeriod, Refill.GREEDY);
  }

  /**
   * Returns an interval limit: {@code refillTokens} are added at once at the end of each
   * {@code refillPeriod}, up to {@code capacity}.
   *
   * @param capacity the bucket size, the largest burst
   * @param refillTokens tokens added per period
   * @param refillPeriod the period
   * @return the limit
   * @throws IllegalArgumentException if a number is not positive, the period is outside
   *     [{@link #MIN_PERIOD}, {@link #MAX_PERIOD}], or the limit is too large to count exactly
   * @throws NullPointerException if {@code refillPeriod} is null
   */
  public static Limit interval(long capacity, long refillTokens, Duration refillPeriod) {
    return new Limit(capacity, refillTokens, refillPeriod, Refill.INTERVAL);
  }

  /**
   * Returns a greedy limit of {@code permits} per {@code period}: a full bucket of {@code permits}
   * refilled smoothly over the period.
   *
   * @param permits the capacity and the refill per period
   * @param period the period
   * @return the limit
   * @throws IllegalArgumentException if {@code permits} is not positive (the message names
   *     {@code permits}), or as for {@link #greedy(long, long, Duration)}
   * @throws NullPointerException if {@code period} is null
   */
  public static Limit of(long permits, Duration period) {
    Arguments.positive(permits, "permits");
    return greedy(permits, permits, period);
  }

  /**
   * Returns {@code of(permits, Duration.ofSeconds(1))}.
   *
   * @param permits permits per second
   * @return the limit
   * @throws IllegalArgumentException if {@code permits} is not positive
   */
  public static Limit perSecond(long permits) {
    return of(permits, Duration.ofSeconds(1));
  }

  /**
   * Returns {@code of(permits, Duration.ofMinutes(1))}.
   *
   * @param permits permits per minute
   * @return the limit
   * @throws IllegalArgumentException if {@code permits} is not positive
   */
  public static Limit perMinute(long permits) {
    return of(permits, Duration.ofMinutes(1));
  }

  /**
   * Returns {@code of(permits, Duration.ofHours(1))}.
   *
   * @param permits permits per hour
   * @return the limit
   * @throws IllegalArgumentException if {@code permits} is not positive
   */
  public static Limit perHour(long permits) {
    return of(permits, Duration.ofHours(1));
  }

  /**
   * Returns {@code of(permits, Duration.ofDays(1))}.
   *
   * @param permits permits per day
   * @return the limit
   * @throws IllegalArgumentException if {@code permits} is not positive or too large to count
   *     exactly (above about 10^8 a day)
   */
  public static Limit perDay(long permits) {
    return of(permits, Duration.ofDays(1));
  }

  /**
   * Returns the bucket size.
   *
   * @return the capacity in tokens
   */
  public long capacity() {
    return capacity;
  }

  /**
   * Returns the tokens added per period.
   *
   * @return the refill tokens
   */
  public long refillTokens() {
    return refillTokens;
  }

  /**
   * Returns the refill period.
   *
   * @return the period
   */
  public Duration refillPeriod() {
    return refillPeriod;
  }

  /**
   * Returns how the bucket refills.
   *
   * @return greedy or interval
   */
  public Refill refill() {
    return refill;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Limit other
        && capacity == other.capacity
        && refillTokens == other.refillTokens
        && refillPeriod.equals(other.refillPeriod)
        && refill == other.refill;
  }

  @Override
  public int hashCode() {
    return Objects.hash(capacity, refillTokens, refillPeriod, refill);
  }

  @Override
  public String toString() {
    return "Limit{" + capacity + " tokens, " + refill.name().toLowerCase(Locale.ROOT)
        + " refill " + refillTokens + " per " + refillPeriod + '}';
  }
}
