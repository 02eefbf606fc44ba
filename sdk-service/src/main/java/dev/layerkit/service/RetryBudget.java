package dev.layerkit.service;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.core.time.TimeSource;
import java.time.Duration;
import java.util.Objects;

/**
 * Caps the retries (and hedges) made to one service at a share of its calls, so that when the
 * service is failing, retries cannot multiply the load on it: with the defaults, at most 20% of
 * calls in the last 10 seconds, plus 10 retries per second that any client may spend even when it
 * makes few calls. This is Finagle's {@code RetryBudget} and gRPC's retry throttling in spirit:
 * a per-call retry count alone lets a fleet of callers triple an outage's load.
 *
 * <h2>Algorithm</h2>
 *
 * <p>The window is split into one-second slots, each counting the calls and the retries that
 * started in it. A retry is allowed when {@code percent/100 * calls(window) + minRetriesPerSecond
 * * windowSeconds - retries(window) >= 1}; allowing it counts it. Slots older than the window are
 * forgotten, so a burst of calls long ago does not pay for retries now.
 *
 * <h2>Thread safety and cost</h2>
 *
 * <p>Thread-safe. Each method takes one short lock: a service call costs tens of microseconds at
 * least, against tens of nanoseconds for an uncontended lock, and the lock keeps the check and the
 * count of a retry exact. Time is read from the injected {@link TimeSource}, so a test drives the
 * window with a {@link ManualTimeSource}.
 */
public final class RetryBudget {

  /** The share of calls that may be retried unless set otherwise, in percent: {@value}. */
  public static final double DEFAULT_PERCENT = 20.0;

  /** The retries per second allowed regardless of the call count, unless set otherwise: {@value}. */
  public static final int DEFAULT_MIN_RETRIES_PER_SECOND = 10;

  /** The window over which calls and retries are counted unless set otherwise: 10 s. */
  public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);

  private static final long SLOT_NANOS = 1_000_000_000L;

  private final double ratio;
  private final int minRetriesPerSecond;
  private final Duration window;
  private final TimeSource timeSource;
  private final long[] calls;
  private final long[] retries;
  private final long[] slotIndex;

  private RetryBudget(Builder b) {
    this.ratio = b.percent / 100.0;
    this.minRetriesPerSecond = b.minRetriesPerSecond;
    this.window = b.window;
    this.timeSource = b.timeSource;
    int slots = (int) Math.max(1, b.window.toSeconds());
    this.calls = new long[slots];
    this.retries = new long[slots];
    this.slotIndex = new long[slots];
    java.util.Arrays.fill(slotIndex, Long.MIN_VALUE);
  }

  /**
   * Returns a budget with the defaults: 20% of calls plus 10 retries per second, over 10 s, on
   * the system clock.
   *
   * @return a new budget
   */
  public static RetryBudget ofDefaults() {
    return builder().build();
  }

  /**
   * Starts building a budget.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Records that a call was made (its first attempt); each call adds {@code percent/100} to the
   * retries the window allows.
   */
  public synchronized void recordCall() {
    calls[slot()]++;
  }

  /**
   * Takes one retry from the budget if it has one.
   *
   * @return true if the retry may go ahead (and was counted), false if the budget is spent
   */
  public synchronized boolean tryAcquireRetry() {
    int slot = slot();
    if (balance() < 1.0) {
      return false;
    }
    retries[slot]++;
    return true;
  }

  /**
   * Returns how many retries the budget would allow now. Meant for diagnostics and tests.
   *
   * @return the whole retries available, zero or more
   */
  public synchronized long available() {
    slot();
    return (long) Math.max(0, Math.floor(balance()));
  }

  /**
   * Returns the share of calls that may be retried, in percent.
   *
   * @return the percentage
   */
  public double percent() {
    return ratio * 100.0;
  }

  /**
   * Returns the retries per second allowed regardless of the call count.
   *
   * @return the minimum rate
   */
  public int minRetriesPerSecond() {
    return minRetriesPerSecond;
  }

  /**
   * Returns the window over which calls and retries are counted.
   *
   * @return the window
   */
  public Duration window() {
    return window;
  }

  @Override
  public String toString() {
    return "RetryBudget{percent=" + percent() + ", minRetriesPerSecond=" + minRetriesPerSecond
        + ", window=" + window + '}';
  }

  // Clears the slot for the current second if it last held an older second; returns its index.
  private int slot() {
    long second = Math.floorDiv(timeSource.nanoTime(), SLOT_NANOS);
    int i = (int) Math.floorMod(second, (long) calls.length);
    if (slotIndex[i] != second) {
      slotIndex[i] = second;
      calls[i] = 0;
      retries[i] = 0;
    }
    return i;
  }

  private double balance() {
    long second = Math.floorDiv(timeSource.nanoTime(), SLOT_NANOS);
    long callCount = 0;
    long retryCount = 0;
    for (int i = 0; i < calls.length; i++) {
      if (second - slotIndex[i] < calls.length) {
        callCount += calls[i];
        retryCount += retries[i];
      }
    }
    return ratio * callCount + (double) minRetriesPerSecond * calls.length - retryCount;
  }

  /** Builds a {@link RetryBudget}; each setting may be given once. Not thread-safe. */
  public static final class Builder {

    private final BuilderSettings settings = new BuilderSettings();
    private double percent = DEFAULT_PERCENT;
    private int minRetriesPerSecond = DEFAULT_MIN_RETRIES_PER_SECOND;
    private Duration window = DEFAULT_WINDOW;
    private TimeSource timeSource = TimeSource.system();

    private Builder() {}

    /**
     * Sets the share of calls that may be retried; default {@value RetryBudget#DEFAULT_PERCENT}.
     *
     * @param percent the percentage, 0 to 1000 (above 100 lets each call retry more than once)
     * @return this builder
     * @throws IllegalArgumentException if {@code percent} is out of range
     * @throws IllegalStateException if already set
     */
    public Builder percent(double percent) {
      if (!(percent >= 0 && percent <= 1000)) {
        throw new IllegalArgumentException("percent must be in [0, 1000] but was " + percent);
      }
      settings.requireUnset("percent", this.percent);
      this.percent = percent;
      return this;
    }

    /**
     * Sets the retries per second allowed regardless of the call count; default
     * {@value RetryBudget#DEFAULT_MIN_RETRIES_PER_SECOND}.
     *
     * @param minRetriesPerSecond the rate, zero or more
     * @return this builder
     * @throws IllegalArgumentException if {@code minRetriesPerSecond} is negative
     * @throws IllegalStateException if already set
     */
    public Builder minRetriesPerSecond(int minRetriesPerSecond) {
      Arguments.notNegative(minRetriesPerSecond, "minRetriesPerSecond");
      settings.requireUnset("minRetriesPerSecond", this.minRetriesPerSecond);
      this.minRetriesPerSecond = minRetriesPerSecond;
      return this;
    }

    /**
     * Sets the window over which calls and retries are counted, in whole seconds; default 10 s.
     *
     * @param window the window, 1 s to 1 h
     * @return this builder
     * @throws NullPointerException if {@code window} is null
     * @throws IllegalArgumentException if {@code window} is under 1 s or over 1 h
     * @throws IllegalStateException if already set
     */
    public Builder window(Duration window) {
      Objects.requireNonNull(window, "window");
      if (window.toSeconds() < 1 || window.toSeconds() > 3600) {
        throw new IllegalArgumentException("window must be in [1s, 1h] but was " + window);
      }
      settings.requireUnset("window", this.window);
      this.window = window;
      return this;
    }

    /**
     * Sets the time source of the window; meant for tests with a {@link ManualTimeSource}.
     * Default {@link TimeSource#system()}.
     *
     * @param timeSource the time source
     * @return this builder
     * @throws NullPointerException if {@code timeSource} is null
     * @throws IllegalStateException if already set
     */
    public Builder timeSource(TimeSource timeSource) {
      Objects.requireNonNull(timeSource, "timeSource");
      settings.requireUnset("timeSource", this.timeSource);
      this.timeSource = timeSource;
      return this;
    }

    /**
     * Builds the budget.
     *
     * @return a new, thread-safe budget
     */
    public RetryBudget build() {
      return new RetryBudget(this);
    }
  }
}
