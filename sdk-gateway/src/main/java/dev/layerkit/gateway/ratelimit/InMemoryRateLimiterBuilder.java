package dev.layerkit.gateway.ratelimit;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.time.TimeSource;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Configures and builds an in-memory {@link RateLimiter}, one process's per-key token buckets;
 * obtained from {@link RateLimiters#inMemory(RateLimitPolicy)}. Only the policy is required.
 *
 * <p>Each setting may be given once: a repeated one is an {@link IllegalStateException}, an
 * invalid value an {@link IllegalArgumentException} naming it. Not thread-safe; {@link #build()}
 * may be called more than once, each limiter independent.
 *
 * <pre>{@code
 * RateLimiter limiter = RateLimiters.inMemory(RateLimitPolicy.of(Limit.perMinute(100)))
 *     .name("api")
 *     .maximumKeys(100_000)
 *     .meterRegistry(registry)
 *     .build();
 * }</pre>
 *
 * <p>The limiter built is lock-free and allocates nothing on an allowed decision. Idle keys
 * expire once their buckets are full again; at most {@link #maximumKeys(long)} keys are held,
 * and evicting an active key early hands it a full bucket, so size the bound above the keys
 * active within one refill time (a key costs about 200 bytes besides its name).
 */
public final class InMemoryRateLimiterBuilder {

  /** The bound on tracked keys unless set otherwise. */
  public static final long DEFAULT_MAXIMUM_KEYS = 1_000_000;

  /** The name of a limiter built without one, the {@code name} tag of its meters. */
  public static final String DEFAULT_NAME = "default";

  final RateLimitPolicy policy;
  String name = DEFAULT_NAME;
  TimeSource timeSource = TimeSource.system();
  long maximumKeys = DEFAULT_MAXIMUM_KEYS;
  @Nullable MeterRegistry meterRegistry;
  @Nullable TimeSource staleClock;
  private final BuilderSettings settings = new BuilderSettings();

  InMemoryRateLimiterBuilder(RateLimitPolicy policy) {
    this.policy = Objects.requireNonNull(policy, "policy");
  }

  /**
   * Names the limiter, for metrics and messages. Default {@value #DEFAULT_NAME}.
   *
   * @param name the name, not blank
   * @return this builder
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is blank
   * @throws IllegalStateException if already set
   */
  public InMemoryRateLimiterBuilder name(String name) {
    Arguments.notBlank(name, "name");
    settings.requireUnset("name", this.name);
    this.name = name;
    return this;
  }

  /**
   * Sets the time source; {@link TimeSource#system()} by default. Meant for tests with a
   * {@code ManualTimeSource}.
   *
   * @param timeSource the time source
   * @return this builder
   * @throws NullPointerException if {@code timeSource} is null
   * @throws IllegalStateException if already set
   */
  public InMemoryRateLimiterBuilder timeSource(TimeSource timeSource) {
    Objects.requireNonNull(timeSource, "timeSource");
    settings.requireUnset("timeSource", this.timeSource);
    this.timeSource = timeSource;
    return this;
  }

  /**
   * Sets the most keys held at once; beyond it the least recently used lose their state. Default
   * {@value #DEFAULT_MAXIMUM_KEYS}.
   *
   * @param maximumKeys the bound
   * @return this builder
   * @throws IllegalArgumentException if {@code maximumKeys} is not positive
   * @throws IllegalStateException if already set
   */
  public InMemoryRateLimiterBuilder maximumKeys(long maximumKeys) {
    Arguments.positive(maximumKeys, "maximumKeys");
    settings.requireUnset("maximumKeys", this.maximumKeys);
    this.maximumKeys = maximumKeys;
    return this;
  }

  /**
   * Records decisions and key counts in {@code registry}, tagged {@code name} with the limiter's
   * name: {@code layerkit.ratelimit.decisions} (counter, tag {@code result=allowed|denied}) and
   * {@code layerkit.ratelimit.keys} (gauge of tracked keys). Cost: one counter increment (a
   * {@code DoubleAdder}) per decision. Off by default.
   *
   * @param registry the registry
   * @return this builder
   * @throws NullPointerException if {@code registry} is null
   * @throws IllegalStateException if already set
   */
  public InMemoryRateLimiterBuilder meterRegistry(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    settings.requireUnset("meterRegistry", this.meterRegistry);
    this.meterRegistry = registry;
    return this;
  }

  /**
   * Makes decisions first on {@code staleClock}, as the limiter does on the coarse clock with the
   * system time source, so that tests can drive a lagging clock and the real one apart. The
   * stale clock must never be ahead of the time source.
   */
  InMemoryRateLimiterBuilder staleClock(TimeSource staleClock) {
    Objects.requireNonNull(staleClock, "staleClock");
    settings.requireUnset("staleClock", this.staleClock);
    this.staleClock = staleClock;
    return this;
  }

  /**
   * Builds the limiter.
   *
   * @return the limiter, thread-safe
   */
  public RateLimiter build() {
    return new InMemoryRateLimiter(this);
  }

  @Override
  public String toString() {
    return "RateLimiters.inMemory(" + policy + "){name=" + name + '}';
  }
}
