package dev.layerkit.core.time;

import dev.layerkit.core.internal.Arguments;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link TimeSource} that moves only when told to, meant for tests.
 *
 * <p>Both clocks advance together: {@link #advance(Duration)} adds the same amount to the
 * monotonic counter and to the wall clock. {@link #setInstant(Instant)} moves the wall clock alone
 * (as NTP might), which lets a test check that intervals are measured on the monotonic counter.
 *
 * <p>Thread-safe: readings and updates are atomic, so a test may advance time while other threads
 * read it.
 *
 * <pre>{@code
 * ManualTimeSource time = new ManualTimeSource();
 * RateLimiter limiter = RateLimiters.inMemory(policy).timeSource(time).build();
 * limiter.tryAcquire("k");                 // uses the last token
 * time.advance(Duration.ofSeconds(1));     // refill without sleeping
 * }</pre>
 */
public final class ManualTimeSource implements TimeSource {

  /** The wall-clock start of a source made with {@link #ManualTimeSource()}. */
  public static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");

  private final AtomicLong nanos;
  private final AtomicLong wallNanosSinceEpoch;

  /** Creates a source whose wall clock starts at {@link #DEFAULT_START} and counter at zero. */
  public ManualTimeSource() {
    this(DEFAULT_START);
  }

  /**
   * Creates a source whose wall clock starts at {@code start} and counter at zero.
   *
   * @param start the initial wall-clock time
   * @throws NullPointerException if {@code start} is null
   * @throws ArithmeticException if {@code start} is too far from the epoch to hold in nanoseconds
   *     (about the years 1678 to 2262)
   */
  public ManualTimeSource(Instant start) {
    Objects.requireNonNull(start, "start");
    this.nanos = new AtomicLong();
    this.wallNanosSinceEpoch = new AtomicLong(toEpochNanos(start));
  }

  @Override
  public long nanoTime() {
    return nanos.get();
  }

  @Override
  public Instant instant() {
    long wall = wallNanosSinceEpoch.get();
    return Instant.ofEpochSecond(Math.floorDiv(wall, 1_000_000_000L), Math.floorMod(wall, 1_000_000_000L));
  }

  @Override
  public long epochMillis() {
    return Math.floorDiv(wallNanosSinceEpoch.get(), 1_000_000L);
  }

  /**
   * Moves both clocks forward by {@code duration}.
   *
   * @param duration how far to move; zero is allowed
   * @return this source, for chaining
   * @throws NullPointerException if {@code duration} is null
   * @throws IllegalArgumentException if {@code duration} is negative: a monotonic clock never goes
   *     back
   */
  public ManualTimeSource advance(Duration duration) {
    Arguments.notNegative(duration, "duration");
    return advanceNanos(duration.toNanos());
  }

  /**
   * Moves both clocks forward by {@code nanos} nanoseconds.
   *
   * @param nanos how far to move, in nanoseconds
   * @return this source, for chaining
   * @throws IllegalArgumentException if {@code nanos} is negative
   */
  public ManualTimeSource advanceNanos(long nanos) {
    Arguments.notNegative(nanos, "nanos");
    this.nanos.addAndGet(nanos);
    this.wallNanosSinceEpoch.addAndGet(nanos);
    return this;
  }

  /**
   * Sets the wall clock to {@code instant}, backwards or forwards, leaving the monotonic counter
   * alone.
   *
   * @param instant the new wall-clock time
   * @return this source, for chaining
   * @throws NullPointerException if {@code instant} is null
   */
  public ManualTimeSource setInstant(Instant instant) {
    Objects.requireNonNull(instant, "instant");
    wallNanosSinceEpoch.set(toEpochNanos(instant));
    return this;
  }

  /**
   * Returns a {@link Sleeper} that, instead of blocking, advances this source by the requested
   * duration and returns at once. Use it where a block under test waits (a retry backoff, say) so
   * the test runs in virtual time.
   *
   * @return a sleeper that advances this source
   */
  public Sleeper sleeper() {
    return duration -> {
      if (!duration.isNegative()) {
        advance(duration);
      }
    };
  }

  private static long toEpochNanos(Instant instant) {
    return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
  }

  @Override
  public String toString() {
    return "ManualTimeSource{nanoTime=" + nanoTime() + ", instant=" + instant() + '}';
  }
}
