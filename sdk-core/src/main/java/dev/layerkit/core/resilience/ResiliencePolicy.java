package dev.layerkit.core.resilience;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.time.ManualTimeSource;
import dev.layerkit.core.time.Sleeper;
import dev.layerkit.core.time.TimeSource;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.functions.CheckedSupplier;
import io.github.resilience4j.micrometer.tagged.BulkheadMetricNames;
import io.github.resilience4j.micrometer.tagged.CircuitBreakerMetricNames;
import io.github.resilience4j.micrometer.tagged.RetryMetricNames;
import io.github.resilience4j.micrometer.tagged.TaggedBulkheadMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedTimeLimiterMetrics;
import io.github.resilience4j.micrometer.tagged.TimeLimiterMetricNames;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.reflect.UndeclaredThrowableException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

// One unit despite its length: the policy itself is about 600 lines (the composition order, sync
// and async execution, metrics binding); the rest is its nested Builder, which documents and
// validates each setting of the four Resilience4j components it composes. Splitting the builder
// out would change the public name ResiliencePolicy.Builder without making either part simpler.
/**
 * Protects calls to a dependency with Resilience4j's retry, circuit breaker, bulkhead and time
 * limiter, each optional, composed in one fixed order.
 *
 * <h2>Order</h2>
 *
 * <p>A call runs as {@code Retry( CircuitBreaker( Bulkhead( TimeLimiter( call ))))}:
 *
 * <ul>
 *   <li><b>Retry outermost</b>, so every attempt passes through the breaker: the breaker counts
 *       each attempt, and the retry sees the breaker's {@link CallNotPermittedException}, which
 *       {@link #DEFAULT_RETRY_ON} does not retry (hammering an open breaker is pointless).</li>
 *   <li><b>Breaker before bulkhead</b>, so an open breaker rejects before a bulkhead permit is
 *       taken: a dead dependency does not hold permits that healthy calls need. A full bulkhead's
 *       {@link BulkheadFullException} is ignored by the breaker (neither failure nor success),
 *       because it says this process is saturated, not that the dependency fails.</li>
 *   <li><b>Time limiter innermost</b>, so the timeout applies to each attempt, not to the whole
 *       retry sequence, and a timed-out attempt counts as a failure for the breaker.</li>
 * </ul>
 *
 * <h2>Synchronous and asynchronous calls</h2>
 *
 * <p>{@link #execute(Supplier)} runs on the calling thread and waits for the retry backoff with
 * the injected {@link Sleeper}, so a test with {@link ManualTimeSource#sleeper()} never sleeps.
 * Resilience4j's time limiter works on futures only, so a synchronous timeout needs a thread to
 * run the attempt on: give one with {@link Builder#syncTimeoutExecutor(ExecutorService)}. Without
 * it, {@code execute} on a policy that has a timeout throws {@link IllegalStateException} rather
 * than silently not enforcing the timeout. {@link #executeAsync(Supplier)} needs no extra thread:
 * backoff and timeouts are scheduled on the policy's {@link ScheduledExecutorService} (a shared
 * daemon one unless {@link Builder#scheduler(ScheduledExecutorService) injected}), in real time.
 *
 * <h2>Failures</h2>
 *
 * <ul>
 *   <li>When retries are exhausted, or an exception is not retried, the last exception
 *       propagates unchanged: the same {@link RuntimeException} or {@link Error} instance that the
 *       supplier threw.</li>
 *   <li>An open breaker throws Resilience4j's {@link CallNotPermittedException}; its
 *       {@code getCausingCircuitBreakerName()} is this policy's {@link #name()}. It is kept rather
 *       than wrapped because it is what Resilience4j users and frameworks already catch.</li>
 *   <li>A full bulkhead throws Resilience4j's {@link BulkheadFullException}.</li>
 *   <li>A synchronous timeout throws {@link ResilienceException} with reason
 *       {@link ResilienceException.Reason#TIMEOUT TIMEOUT}; an asynchronous one fails the stage
 *       with Resilience4j's {@link TimeoutException}. Retry and breaker predicates see the
 *       {@code TimeoutException} in both cases.</li>
 *   <li>An interrupt while waiting sets the thread's interrupt flag again and throws
 *       {@link ResilienceException} with reason
 *       {@link ResilienceException.Reason#INTERRUPTED INTERRUPTED}; it is never retried.</li>
 *   <li>A {@link Supplier} cannot throw checked exceptions; one thrown anyway (a "sneaky throw")
 *       arrives wrapped in {@link UndeclaredThrowableException}, as the JDK does for proxies.</li>
 * </ul>
 *
 * <h2>Thread safety and cost</h2>
 *
 * <p>A policy is immutable and thread-safe; share one per dependency. A call without retries costs
 * what the Resilience4j decorators cost (a few atomic operations and one small lambda per
 * component) plus, with a synchronous timeout, a task submission. The Resilience4j instances are
 * reachable through {@link #retry()}, {@link #circuitBreaker()}, {@link #bulkhead()} and
 * {@link #timeLimiter()} for their events and manual state transitions.
 *
 * <h2>Example</h2>
 *
 * <pre>{@code
 * ResiliencePolicy inventory = ResiliencePolicy.builder("inventory")
 *     .maxAttempts(4)                                // retry: up to 3 retries,
 *     .initialBackoff(Duration.ofMillis(50))         // full-jitter waits of at most 50, 100, 200 ms
 *     .failureRateThreshold(50)                      // breaker: open at 50% failures
 *     .slidingWindowSize(20)                         //   of the last 20 calls
 *     .waitDurationInOpenState(Duration.ofSeconds(30))
 *     .maxConcurrentCalls(16)                        // bulkhead
 *     .timeout(Duration.ofMillis(500))               // per attempt
 *     .meterRegistry(meterRegistry)                  // layerkit.resilience.* meters
 *     .build();
 *
 * CompletionStage<Stock> stock = inventory.executeAsync(() -> client.stockAsync(sku));
 * }</pre>
 */
public final class ResiliencePolicy {

  /** Attempts in total, the first included, when retry is enabled: {@value}. */
  public static final int DEFAULT_MAX_ATTEMPTS = 3;

  /** The upper bound of the wait before the first retry: 100 ms. */
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(100);

  /** The factor by which the upper bound of the wait grows with each retry: {@value}. */
  public static final double DEFAULT_BACKOFF_MULTIPLIER = 2.0;

  /** The cap on the upper bound of the wait between attempts: 10 s. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(10);

  /**
   * The default retry-on predicate: retry every {@link Exception} except the open breaker's
   * {@link CallNotPermittedException}. {@link Error}s are not retried.
   */
  public static final Predicate<Throwable> DEFAULT_RETRY_ON =
      failure -> failure instanceof Exception && !(failure instanceof CallNotPermittedException);

  /** The breaker's failure rate, in percent, at or above which it opens: {@value}. */
  public static final float DEFAULT_FAILURE_RATE_THRESHOLD = 50.0f;

  /** The number of most recent calls the breaker's failure rate is computed over: {@value}. */
  public static final int DEFAULT_SLIDING_WINDOW_SIZE = 100;

  /** How long an open breaker rejects calls before it lets trial calls through: 60 s. */
  public static final Duration DEFAULT_WAIT_DURATION_IN_OPEN_STATE = Duration.ofSeconds(60);

  /** The number of trial calls a half-open breaker lets through to decide: {@value}. */
  public static final int DEFAULT_PERMITTED_NUMBER_OF_CALLS_IN_HALF_OPEN_STATE = 10;

  /** The default record-on predicate: every failure counts against the breaker. */
  public static final Predicate<Throwable> DEFAULT_RECORD_ON = failure -> true;

  /** The number of calls the bulkhead lets run at once: {@value}. */
  public static final int DEFAULT_MAX_CONCURRENT_CALLS = 25;

  /** How long a call waits for a bulkhead permit before it is rejected: zero, fail fast. */
  public static final Duration DEFAULT_MAX_WAIT_DURATION = Duration.ZERO;

  private static final String METRIC_PREFIX = "layerkit.resilience.";

  private final String name;
  // A private, never-mutated copy of the builder that made this policy; only toBuilder() reads it.
  private final Builder settings;
  private final @Nullable Retry retry;
  private final @Nullable CircuitBreaker circuitBreaker;
  private final @Nullable Bulkhead bulkhead;
  private final @Nullable TimeLimiter timeLimiter;
  private final @Nullable Duration timeout;
  private final @Nullable ExecutorService syncTimeoutExecutor;
  private final @Nullable ScheduledExecutorService scheduler;
  private final Sleeper sleeper;

  private ResiliencePolicy(Builder builder) {
    this.settings = new Builder(builder);
    this.name = builder.name;
    this.sleeper = builder.sleeper;
    this.scheduler = builder.scheduler;
    this.timeout = builder.timeout;
    this.syncTimeoutExecutor = builder.syncTimeoutExecutor;
    MeterRegistry meters = builder.meterRegistry;
    this.retry = builder.retryEnabled ? createRetry(builder, meters) : null;
    this.circuitBreaker = builder.circuitBreakerEnabled ? createCircuitBreaker(builder, meters) : null;
    this.bulkhead = builder.bulkheadEnabled ? createBulkhead(builder, meters) : null;
    this.timeLimiter = builder.timeout != null ? createTimeLimiter(builder.name, builder.timeout, meters) : null;
  }

  /**
   * Returns a builder for a policy named {@code name} with no component enabled; enable each with
   * its {@code with...()} method or by setting any of its parameters.
   *
   * @param name the policy's name, used for the Resilience4j instances, in exceptions and as the
   *     {@code name} tag of its meters; unique within a {@link MeterRegistry}
   * @return a new builder
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /**
   * Returns a policy named {@code name} with retry and circuit breaker at their defaults, and no
   * bulkhead or timeout (their right size depends on the dependency's capacity and latency).
   *
   * @param name the policy's name
   * @return a new policy
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public static ResiliencePolicy ofDefaults(String name) {
    return builder(name).withRetry().withCircuitBreaker().build();
  }

  /**
   * Returns a builder that starts from this policy's settings, each of which may be set once more.
   * The policy built from it gets new Resilience4j instances: breaker state and metrics are not
   * carried over, and with a {@linkplain Builder#meterRegistry(MeterRegistry) meter registry} its
   * meters clash with this policy's (same name), so give it another registry.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    return new Builder(settings);
  }

  /**
   * Returns the policy's name.
   *
   * @return the name given to {@link #builder(String)}
   */
  public String name() {
    return name;
  }

  /**
   * Runs {@code supplier} under this policy on the calling thread and returns its result.
   *
   * <p>Between attempts the calling thread waits with the policy's {@link Sleeper}; the retry's
   * Resilience4j events and metrics are published as with {@code Retry.decorateSupplier}. With a
   * timeout, each attempt runs on the {@linkplain Builder#syncTimeoutExecutor(ExecutorService) sync
   * timeout executor} while the calling thread waits for it; a timed-out attempt is cancelled with
   * an interrupt, and code that ignores interrupts keeps running on that executor.
   *
   * @param <T> the result type
   * @param supplier the call to protect; may run several times
   * @return the result of the first successful attempt, which may be null if the supplier returns
   *     null
   * @throws NullPointerException if {@code supplier} is null
   * @throws IllegalStateException if the policy has a timeout but no sync timeout executor
   * @throws CallNotPermittedException if the breaker rejected the last attempt
   * @throws BulkheadFullException if the bulkhead rejected the last attempt
   * @throws ResilienceException if the last attempt timed out, or the thread was interrupted
   * @throws RuntimeException the last exception from {@code supplier}, unchanged
   */
  public <T extends @Nullable Object> T execute(Supplier<T> supplier) {
    Objects.requireNonNull(supplier, "supplier");
    CheckedSupplier<T> attempt = decorate(supplier);
    Retry retry = this.retry;
    if (retry == null) {
      try {
        return attempt.get();
      } catch (Throwable failure) {
        throw propagate(failure);
      }
    }
    // The async context rather than Retry.Context: it returns the wait instead of calling
    // Thread.sleep itself, which lets the injected Sleeper do the waiting.
    Retry.AsyncContext<T> context = retry.asyncContext();
    while (true) {
      T result;
      try {
        result = attempt.get();
      } catch (Throwable failure) {
        long waitMillis = context.onError(failure);
        if (waitMillis < 0) {
          throw propagate(failure);
        }
        backOff(waitMillis, failure);
        continue;
      }
      context.onComplete();
      return result;
    }
  }

  /**
   * Runs {@code action} under this policy on the calling thread; {@link #execute(Supplier)} for
   * calls without a result.
   *
   * @param action the call to protect; may run several times
   * @throws NullPointerException if {@code action} is null
   * @throws IllegalStateException if the policy has a timeout but no sync timeout executor
   * @throws CallNotPermittedException if the breaker rejected the last attempt
   * @throws BulkheadFullException if the bulkhead rejected the last attempt
   * @throws ResilienceException if the last attempt timed out, or the thread was interrupted
   * @throws RuntimeException the last exception from {@code action}, unchanged
   */
  public void run(Runnable action) {
    Objects.requireNonNull(action, "action");
    execute(() -> {
      action.run();
      return null;
    });
  }

  /**
   * Starts {@code supplier} under this policy and returns a stage that completes with the first
   * successful attempt's result or the last failure.
   *
   * <p>The first attempt starts on the calling thread; retries start on the policy's scheduler
   * thread after a real-time backoff (the {@link Sleeper} is not used), so {@code supplier} should
   * only start work, not block. With a timeout, an attempt's future that has not completed in time
   * is completed exceptionally with a {@link TimeoutException}, which is how the work behind it
   * can learn to stop. Dependent stages attached without an executor may run on the scheduler
   * thread: keep them short or use the {@code ...Async} variants.
   *
   * <p>A supplier that throws, or returns null, counts as a failed attempt; this method itself
   * throws only for a null {@code supplier}.
   *
   * @param <T> the result type
   * @param supplier starts one attempt; may be called several times
   * @return a stage that completes with the result, or exceptionally with the last failure:
   *     the supplier's exception, {@link CallNotPermittedException},
   *     {@link BulkheadFullException} or {@link TimeoutException}
   * @throws NullPointerException if {@code supplier} is null
   */
  public <T extends @Nullable Object> CompletionStage<T> executeAsync(
      Supplier<? extends CompletionStage<T>> supplier) {
    Objects.requireNonNull(supplier, "supplier");
    ScheduledExecutorService scheduler = scheduler();
    Supplier<CompletionStage<T>> call = () -> startAttempt(supplier);
    if (timeLimiter != null) {
      call = timeLimiter.decorateCompletionStage(scheduler, call);
    }
    if (bulkhead != null) {
      call = Bulkhead.decorateCompletionStage(bulkhead, call);
    }
    if (circuitBreaker != null) {
      call = CircuitBreaker.decorateCompletionStage(circuitBreaker, call);
    }
    if (retry != null) {
      call = Retry.decorateCompletionStage(retry, scheduler, call);
    }
    return call.get();
  }

  /**
   * Returns the circuit breaker's state, or {@link CircuitBreaker.State#DISABLED} if the policy
   * has no breaker (Resilience4j's name for "always permits").
   *
   * <p>An open breaker reports {@code OPEN} until a call arrives after the wait; that call moves
   * it to {@code HALF_OPEN}.
   *
   * @return the current state
   */
  public CircuitBreaker.State circuitBreakerState() {
    return circuitBreaker != null ? circuitBreaker.getState() : CircuitBreaker.State.DISABLED;
  }

  /**
   * Returns the policy's Resilience4j circuit breaker, for its metrics, events and manual
   * transitions.
   *
   * @return the breaker, or empty if the policy has none
   */
  public Optional<CircuitBreaker> circuitBreaker() {
    return Optional.ofNullable(circuitBreaker);
  }

  /**
   * Returns the policy's Resilience4j retry, for its metrics and events.
   *
   * @return the retry, or empty if the policy has none
   */
  public Optional<Retry> retry() {
    return Optional.ofNullable(retry);
  }

  /**
   * Returns the policy's Resilience4j bulkhead, for its metrics and events.
   *
   * @return the bulkhead, or empty if the policy has none
   */
  public Optional<Bulkhead> bulkhead() {
    return Optional.ofNullable(bulkhead);
  }

  /**
   * Returns the policy's Resilience4j time limiter, for its events.
   *
   * @return the time limiter, or empty if the policy has no timeout
   */
  public Optional<TimeLimiter> timeLimiter() {
    return Optional.ofNullable(timeLimiter);
  }

  @Override
  public String toString() {
    return "ResiliencePolicy{" + settings.describe() + '}';
  }

  private <T extends @Nullable Object> CheckedSupplier<T> decorate(Supplier<T> supplier) {
    CheckedSupplier<T> call;
    TimeLimiter limiter = timeLimiter;
    if (limiter != null) {
      ExecutorService executor = syncTimeoutExecutor;
      if (executor == null) {
        throw new IllegalStateException("ResiliencePolicy '" + name + "' has a timeout of " + timeout
            + " but no syncTimeoutExecutor: Resilience4j's time limiter needs a thread to run a"
            + " synchronous attempt on; set Builder.syncTimeoutExecutor(...) or use executeAsync");
      }
      call = () -> callWithTimeout(limiter, executor, supplier);
    } else {
      call = supplier::get;
    }
    if (bulkhead != null) {
      call = Bulkhead.decorateCheckedSupplier(bulkhead, call);
    }
    if (circuitBreaker != null) {
      call = CircuitBreaker.decorateCheckedSupplier(circuitBreaker, call);
    }
    return call;
  }

  private static <T extends @Nullable Object> T callWithTimeout(
      TimeLimiter limiter, ExecutorService executor, Supplier<T> supplier) throws Exception {
    Submission<T> submission = new Submission<>(executor, supplier);
    try {
      return limiter.executeFutureSupplier(submission);
    } catch (InterruptedException e) {
      // The time limiter cancels only on timeout; a caller that gives up must not leave work behind.
      submission.cancel();
      throw e;
    }
  }

  private static <T extends @Nullable Object> CompletionStage<T> startAttempt(
      Supplier<? extends CompletionStage<T>> supplier) {
    // Resilience4j's async retry calls the supplier from a scheduler task on retries, where a
    // thrown exception would be lost and the returned stage would never complete.
    try {
      CompletionStage<T> stage = supplier.get();
      if (stage == null) {
        return CompletableFuture.failedFuture(new NullPointerException("supplier returned a null CompletionStage"));
      }
      return stage;
    } catch (Throwable failure) {
      return CompletableFuture.failedFuture(failure);
    }
  }

  private void backOff(long waitMillis, Throwable lastFailure) {
    try {
      sleeper.sleep(Duration.ofMillis(waitMillis));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ResilienceException interrupted = ResilienceException.interrupted(name, e);
      interrupted.addSuppressed(lastFailure);
      throw interrupted;
    }
  }

  private RuntimeException propagate(Throwable failure) {
    if (failure instanceof RuntimeException unchecked) {
      return unchecked;
    }
    if (failure instanceof Error error) {
      throw error;
    }
    if (failure instanceof InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      return ResilienceException.interrupted(name, interrupted);
    }
    if (failure instanceof TimeoutException && timeout != null) {
      return ResilienceException.timeout(name, timeout, failure);
    }
    return new UndeclaredThrowableException(failure,
        "ResiliencePolicy '" + name + "': the supplier threw a checked exception");
  }

  private ScheduledExecutorService scheduler() {
    return scheduler != null ? scheduler : DefaultScheduler.get();
  }

  private static Retry createRetry(Builder b, @Nullable MeterRegistry meters) {
    Predicate<? super Throwable> retryOn = b.retryOn;
    RetryConfig config = RetryConfig.custom()
        .maxAttempts(b.maxAttempts)
        .intervalFunction(new FullJitterBackoff(
            b.initialBackoff.toMillis(), b.backoffMultiplier, b.maxBackoff.toMillis(), b.random))
        // An interrupt means "stop", whatever the user's predicate says.
        .retryOnException(failure -> !(failure instanceof InterruptedException) && retryOn.test(failure))
        .build();
    RetryRegistry registry = RetryRegistry.of(config);
    Retry retry = registry.retry(b.name);
    if (meters != null) {
      RetryMetricNames names = RetryMetricNames.custom()
          .callsMetricName(METRIC_PREFIX + "retry.calls")
          .build();
      TaggedRetryMetrics.ofRetryRegistry(names, registry).bindTo(meters);
    }
    return retry;
  }

  private static CircuitBreaker createCircuitBreaker(Builder b, @Nullable MeterRegistry meters) {
    Predicate<? super Throwable> recordOn = b.recordOn;
    TimeSource timeSource = b.timeSource;
    CircuitBreakerConfig config = CircuitBreakerConfig.custom()
        .failureRateThreshold(b.failureRateThreshold)
        .slidingWindow(b.slidingWindowSize, b.effectiveMinimumNumberOfCalls(), SlidingWindowType.COUNT_BASED)
        .waitDurationInOpenState(b.waitDurationInOpenState)
        .permittedNumberOfCallsInHalfOpenState(b.permittedNumberOfCallsInHalfOpenState)
        .recordException(failure -> recordOn.test(failure))
        // Saturation of this process and a caller giving up say nothing about the dependency.
        .ignoreException(failure -> failure instanceof BulkheadFullException || failure instanceof InterruptedException)
        // The open-state wait is measured on this clock, call durations on the nano timestamp.
        .clock(new TimeSourceClock(timeSource))
        .currentTimestampFunction(clock -> timeSource.nanoTime(), TimeUnit.NANOSECONDS)
        .build();
    CircuitBreakerRegistry registry = CircuitBreakerRegistry.of(config);
    CircuitBreaker breaker = registry.circuitBreaker(b.name);
    if (meters != null) {
      String prefix = METRIC_PREFIX + "circuitbreaker.";
      CircuitBreakerMetricNames names = CircuitBreakerMetricNames.custom()
          .callsMetricName(prefix + "calls")
          .notPermittedCallsMetricName(prefix + "not.permitted.calls")
          .stateMetricName(prefix + "state")
          .bufferedCallsMetricName(prefix + "buffered.calls")
          .slowCallsMetricName(prefix + "slow.calls")
          .failureRateMetricName(prefix + "failure.rate")
          .slowCallRateMetricName(prefix + "slow.call.rate")
          .build();
      TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(names, registry).bindTo(meters);
    }
    return breaker;
  }

  private static Bulkhead createBulkhead(Builder b, @Nullable MeterRegistry meters) {
    BulkheadConfig config = BulkheadConfig.custom()
        .maxConcurrentCalls(b.maxConcurrentCalls)
        .maxWaitDuration(b.maxWaitDuration)
        .build();
    BulkheadRegistry registry = BulkheadRegistry.of(config);
    Bulkhead bulkhead = registry.bulkhead(b.name);
    if (meters != null) {
      String prefix = METRIC_PREFIX + "bulkhead.";
      BulkheadMetricNames names = BulkheadMetricNames.custom()
          .availableConcurrentCallsMetricName(prefix + "available.concurrent.calls")
          .maxAllowedConcurrentCallsMetricName(prefix + "max.allowed.concurrent.calls")
          .build();
      TaggedBulkheadMetrics.ofBulkheadRegistry(names, registry).bindTo(meters);
    }
    return bulkhead;
  }

  private static TimeLimiter createTimeLimiter(String name, Duration timeout, @Nullable MeterRegistry meters) {
    TimeLimiterConfig config = TimeLimiterConfig.custom()
        .timeoutDuration(timeout)
        .cancelRunningFuture(true)
        .build();
    TimeLimiterRegistry registry = TimeLimiterRegistry.of(config);
    TimeLimiter limiter = registry.timeLimiter(name);
    if (meters != null) {
      TimeLimiterMetricNames names = TimeLimiterMetricNames.custom()
          .callsMetricName(METRIC_PREFIX + "timelimiter.calls")
          .build();
      TaggedTimeLimiterMetrics.ofTimeLimiterRegistry(names, registry).bindTo(meters);
    }
    return limiter;
  }

  /**
   * Submits one synchronous attempt to the executor and remembers its future so that an
   * interrupted caller can cancel it. Used by one calling thread only.
   */
  private static final class Submission<T extends @Nullable Object> implements Supplier<Future<T>> {
    private final ExecutorService executor;
    private final Supplier<T> supplier;
    private @Nullable Future<T> future;

    Submission(ExecutorService executor, Supplier<T> supplier) {
      this.executor = executor;
      this.supplier = supplier;
    }

    @Override
    public Future<T> get() {
      Callable<T> task = supplier::get;
      Future<T> submitted = executor.submit(task);
      future = submitted;
      return submitted;
    }

    void cancel() {
      Future<T> submitted = future;
      if (submitted != null) {
        submitted.cancel(true);
      }
    }
  }

  /**
   * Configures and builds a {@link ResiliencePolicy}.
   *
   * <p>Each component is off until enabled, by its {@code with...()} method or by setting any of
   * its parameters: {@code maxAttempts(4)} alone gives a retry with the other retry defaults.
   * Setters validate at once and name the parameter and the bad value. A setting may be given only
   * once per builder (an {@link IllegalStateException} says which was repeated); a builder from
   * {@link ResiliencePolicy#toBuilder()} starts from the policy's values, each of which may be set
   * once more.
   *
   * <p>Not thread-safe: build on one thread, then share the policy.
   */
  public static final class Builder {

    private final String name;
    // Settings given on this builder; values inherited through toBuilder() are not in it.
    private final BuilderSettings settings = new BuilderSettings();

    private boolean retryEnabled;
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    private double backoffMultiplier = DEFAULT_BACKOFF_MULTIPLIER;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private Predicate<? super Throwable> retryOn = DEFAULT_RETRY_ON;
    private @Nullable RandomGenerator random;

    private boolean circuitBreakerEnabled;
    private float failureRateThreshold = DEFAULT_FAILURE_RATE_THRESHOLD;
    private int slidingWindowSize = DEFAULT_SLIDING_WINDOW_SIZE;
    private int minimumNumberOfCalls; // 0: the sliding window size
    private Duration waitDurationInOpenState = DEFAULT_WAIT_DURATION_IN_OPEN_STATE;
    private int permittedNumberOfCallsInHalfOpenState = DEFAULT_PERMITTED_NUMBER_OF_CALLS_IN_HALF_OPEN_STATE;
    private Predicate<? super Throwable> recordOn = DEFAULT_RECORD_ON;

    private boolean bulkheadEnabled;
    private int maxConcurrentCalls = DEFAULT_MAX_CONCURRENT_CALLS;
    private Duration maxWaitDuration = DEFAULT_MAX_WAIT_DURATION;

    private @Nullable Duration timeout;
    private @Nullable ExecutorService syncTimeoutExecutor;

    private TimeSource timeSource = TimeSource.system();
    private Sleeper sleeper = Sleeper.system();
    private @Nullable ScheduledExecutorService scheduler;
    private @Nullable MeterRegistry meterRegistry;

    private Builder(String name) {
      this.name = Arguments.notBlank(name, "name");
    }

    /** Copies every value of {@code other}, but none of its record of what was given. */
    private Builder(Builder other) {
      this.name = other.name;
      this.retryEnabled = other.retryEnabled;
      this.maxAttempts = other.maxAttempts;
      this.initialBackoff = other.initialBackoff;
      this.backoffMultiplier = other.backoffMultiplier;
      this.maxBackoff = other.maxBackoff;
      this.retryOn = other.retryOn;
      this.random = other.random;
      this.circuitBreakerEnabled = other.circuitBreakerEnabled;
      this.failureRateThreshold = other.failureRateThreshold;
      this.slidingWindowSize = other.slidingWindowSize;
      this.minimumNumberOfCalls = other.minimumNumberOfCalls;
      this.waitDurationInOpenState = other.waitDurationInOpenState;
      this.permittedNumberOfCallsInHalfOpenState = other.permittedNumberOfCallsInHalfOpenState;
      this.recordOn = other.recordOn;
      this.bulkheadEnabled = other.bulkheadEnabled;
      this.maxConcurrentCalls = other.maxConcurrentCalls;
      this.maxWaitDuration = other.maxWaitDuration;
      this.timeout = other.timeout;
      this.syncTimeoutExecutor = other.syncTimeoutExecutor;
      this.timeSource = other.timeSource;
      this.sleeper = other.sleeper;
      this.scheduler = other.scheduler;
      this.meterRegistry = other.meterRegistry;
    }

    // ---- retry ----

    /**
     * Enables retry with the current retry settings (the defaults unless set).
     *
     * @return this builder
     * @throws IllegalStateException if called twice on this builder
     */
    public Builder withRetry() {
      settings.requireUnset("retry", "enabled");
      retryEnabled = true;
      return this;
    }

    /**
     * Sets how many attempts a call gets in total, the first included, and enables retry. One
     * means no retry. Default {@value ResiliencePolicy#DEFAULT_MAX_ATTEMPTS}.
     *
     * @param maxAttempts the number of attempts, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code maxAttempts} is less than 1
     * @throws IllegalStateException if already set on this builder
     */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be >= 1 but was " + maxAttempts);
      }
      settings.requireUnset("maxAttempts", this.maxAttempts);
      this.maxAttempts = maxAttempts;
      retryEnabled = true;
      return this;
    }

    /**
     * Sets the upper bound of the wait before the first retry, and enables retry. The wait before
     * retry {@code n} is drawn uniformly from
     * {@code [0, min(maxBackoff, initialBackoff * backoffMultiplier^(n-1))]} ("full jitter"), in
     * whole milliseconds. Default 100 ms.
     *
     * @param initialBackoff the first upper bound, at least 1 ms
     * @return this builder
     * @throws NullPointerException if {@code initialBackoff} is null
     * @throws IllegalArgumentException if {@code initialBackoff} is less than 1 ms
     * @throws IllegalStateException if already set on this builder
     */
    public Builder initialBackoff(Duration initialBackoff) {
      Arguments.atLeastOneMilli(initialBackoff, "initialBackoff");
      settings.requireUnset("initialBackoff", this.initialBackoff);
      this.initialBackoff = initialBackoff;
      retryEnabled = true;
      return this;
    }

    /**
     * Sets the factor by which the upper bound of the wait grows after each failed attempt, and
     * enables retry. One gives a constant bound. Default
     * {@value ResiliencePolicy#DEFAULT_BACKOFF_MULTIPLIER}.
     *
     * @param backoffMultiplier the factor, finite and at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code backoffMultiplier} is less than 1, infinite or NaN
     * @throws IllegalStateException if already set on this builder
     */
    public Builder backoffMultiplier(double backoffMultiplier) {
      if (!(backoffMultiplier >= 1.0) || Double.isInfinite(backoffMultiplier)) {
        throw new IllegalArgumentException("backoffMultiplier must be >= 1 and finite but was " + backoffMultiplier);
      }
      settings.requireUnset("backoffMultiplier", this.backoffMultiplier);
      this.backoffMultiplier = backoffMultiplier;
      retryEnabled = true;
      return this;
    }

    /**
     * Sets the cap on the upper bound of the wait between attempts, and enables retry. Default
     * 10 s. It must not be below {@link #initialBackoff(Duration)}, which {@link #build()} checks.
     *
     * @param maxBackoff the cap, at least 1 ms
     * @return this builder
     * @throws NullPointerException if {@code maxBackoff} is null
     * @throws IllegalArgumentException if {@code maxBackoff} is less than 1 ms
     * @throws IllegalStateException if already set on this builder
     */
    public Builder maxBackoff(Duration maxBackoff) {
      Arguments.atLeastOneMilli(maxBackoff, "maxBackoff");
      settings.requireUnset("maxBackoff", this.maxBackoff);
      this.maxBackoff = maxBackoff;
      retryEnabled = true;
      return this;
    }

    /**
     * Sets which failures are retried, and enables retry; others propagate at once. Resilience4j
     * unwraps a {@code CompletionException} or {@code ExecutionException} before asking. An
     * {@link InterruptedException} is never retried. Default {@link #DEFAULT_RETRY_ON}; compose
     * with it to keep its exclusions: {@code DEFAULT_RETRY_ON.and(t -> !(t instanceof
     * IllegalArgumentException))}.
     *
     * @param retryOn returns true for a failure worth another attempt; must be thread-safe
     * @return this builder
     * @throws NullPointerException if {@code retryOn} is null
     * @throws IllegalStateException if already set on this builder
     */
    public Builder retryOn(Predicate<? super Throwable> retryOn) {
      Objects.requireNonNull(retryOn, "retryOn");
      settings.requireUnset("retryOn", this.retryOn);
      this.retryOn = retryOn;
      retryEnabled = true;
      return this;
    }

    /**
     * Sets the random generator that draws the jitter, and enables retry; meant for tests that
     * assert exact waits. By default each draw uses
     * {@link java.util.concurrent.ThreadLocalRandom#current()}. The wait after failed attempt
     * {@code n} is {@code random.nextLong(ceiling + 1)} milliseconds, where {@code ceiling} is the
     * bound described at {@link #initialBackoff(Duration)}.
     *
     * @param random the generator; it is called from every thread that runs the policy, so it
     *     must be thread-safe if the policy is shared ({@link java.util.Random} is,
     *     {@link java.util.SplittableRandom} is not)
     * @return this builder
     * @throws NullPointerException if {@code random} is null
     * @throws IllegalStateException if already set on this builder
     */
    public Builder random(RandomGenerator random) {
      Objects.requireNonNull(random, "random");
      settings.requireUnset("random", this.random);
      this.random = random;
      retryEnabled = true;
      return this;
    }

    // ---- circuit breaker ----

    /**
     * Enables the circuit breaker with the current breaker settings (the defaults unless set).
     *
     * @return this builder
     * @throws IllegalStateException if called twice on this builder
     */
    public Builder withCircuitBreaker() {
      settings.requireUnset("circuitBreaker", "enabled");
      circuitBreakerEnabled = true;
      return this;
    }

    /**
     * Sets the failure rate, in percent of the sliding window, at or above which the breaker opens,
     * and enables the breaker. Default {@value ResiliencePolicy#DEFAULT_FAILURE_RATE_THRESHOLD}.
     *
     * @param failureRateThreshold the rate, above 0 and at most 100
     * @return this builder
     * @throws IllegalArgumentException if {@code failureRateThreshold} is not in (0, 100]
     * @throws IllegalStateException if already set on this builder
     */
    public Builder failureRateThreshold(float failureRateThreshold) {
      if (!(failureRateThreshold > 0 && failureRateThreshold <= 100)) {
        throw new IllegalArgumentException(
            "failureRateThreshold must be > 0 and <= 100 but was " + failureRateThreshold);
      }
      settings.requireUnset("failureRateThreshold", this.failureRateThreshold);
      this.failureRateThreshold = failureRateThreshold;
      circuitBreakerEnabled = true;
      return this;
    }

    /**
     * Sets how many of the most recent calls the failure rate is computed over (a count-based
     * window), and enables the breaker. Default
     * {@value ResiliencePolicy#DEFAULT_SLIDING_WINDOW_SIZE}.
     *
     * @param slidingWindowSize the number of calls, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code slidingWindowSize} is less than 1
     * @throws IllegalStateException if already set on this builder
     */
    public Builder slidingWindowSize(int slidingWindowSize) {
      if (slidingWindowSize < 1) {
        throw new IllegalArgumentException("slidingWindowSize must be >= 1 but was " + slidingWindowSize);
      }
      settings.requireUnset("slidingWindowSize", this.slidingWindowSize);
      this.slidingWindowSize = slidingWindowSize;
      circuitBreakerEnabled = true;
      return this;
    }

    /**
     * Sets how many calls the window must hold before the failure rate can open the breaker, and
     * enables the breaker. Default: the sliding window size. It must not exceed the window size,
     * which {@link #build()} checks.
     *
     * @param minimumNumberOfCalls the number of calls, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code minimumNumberOfCalls} is less than 1
     * @throws IllegalStateException if already set on this builder
     */
    public Builder minimumNumberOfCalls(int minimumNumberOfCalls) {
      if (minimumNumberOfCalls < 1) {
        throw new IllegalArgumentException("minimumNumberOfCalls must be >= 1 but was " + minimumNumberOfCalls);
      }
      settings.requireUnset("minimumNumberOfCalls", effectiveMinimumNumberOfCalls());
      this.minimumNumberOfCalls = minimumNumberOfCalls;
      circuitBreakerEnabled = true;
      return this;
    }

    /**
     * Sets how long an open breaker rejects calls, measured on the {@link #timeSource(TimeSource)
     * time source}, and enables the breaker. The first call strictly after the wait moves it to
     * half-open. Default 60 s.
     *
     * @param waitDurationInOpenState the wait, at least 1 ms
     * @return this builder
     * @throws NullPointerException if {@code waitDurationInOpenState} is null
     * @throws IllegalArgumentException if {@code waitDurationInOpenState} is less than 1 ms
     * @throws IllegalStateException if already set on this builder
     */
    public Builder waitDurationInOpenState(Duration waitDurationInOpenState) {
      Arguments.atLeastOneMilli(waitDurationInOpenState, "waitDurationInOpenState");
      settings.requireUnset("waitDurationInOpenState", this.waitDurationInOpenState);
      this.waitDurationInOpenState = waitDurationInOpenState;
      circuitBreakerEnabled = true;
      return this;
    }

    /**
     * Sets how many trial calls a half-open breaker lets through; their failure rate closes or
     * reopens it. Enables the breaker. Default
     * {@value ResiliencePolicy#DEFAULT_PERMITTED_NUMBER_OF_CALLS_IN_HALF_OPEN_STATE}.
     *
     * @param permittedNumberOfCallsInHalfOpenState the number of calls, at least 1
     * @return this builder
     * @throws IllegalArgumentException if the number is less than 1
     * @throws IllegalStateException if already set on this builder
     */
    public Builder permittedNumberOfCallsInHalfOpenState(int permittedNumberOfCallsInHalfOpenState) {
      if (permittedNumberOfCallsInHalfOpenState < 1) {
        throw new IllegalArgumentException("permittedNumberOfCallsInHalfOpenState must be >= 1 but was "
            + permittedNumberOfCallsInHalfOpenState);
      }
      settings.requireUnset("permittedNumberOfCallsInHalfOpenState", this.permittedNumberOfCallsInHalfOpenState);
      this.permittedNumberOfCallsInHalfOpenState = permittedNumberOfCallsInHalfOpenState;
      circuitBreakerEnabled = true;
      return this;
    }

    /**
     * Sets which failures count against the breaker, and enables the breaker. As in Resilience4j,
     * a failure not recorded counts as a success. A {@link BulkheadFullException} or
     * {@link InterruptedException} is never asked about: it counts as neither. Default
     * {@link #DEFAULT_RECORD_ON}.
     *
     * @param recordOn returns true for a failure that says the dependency is unhealthy; must be
     *     thread-safe
     * @return this builder
     * @throws NullPointerException if {@code recordOn} is null
     * @throws IllegalStateException if already set on this builder
     */
    public Builder recordOn(Predicate<? super Throwable> recordOn) {
      Objects.requireNonNull(recordOn, "recordOn");
      settings.requireUnset("recordOn", this.recordOn);
      this.recordOn = recordOn;
      circuitBreakerEnabled = true;
      return this;
    }

    // ---- bulkhead ----

    /**
     * Enables the bulkhead with the current bulkhead settings (the defaults unless set).
     *
     * @return this builder
     * @throws IllegalStateException if called twice on this builder
     */
    public Builder withBulkhead() {
      settings.requireUnset("bulkhead", "enabled");
      bulkheadEnabled = true;
      return this;
    }

    /**
     * Sets how many calls may run at once, and enables the bulkhead; an attempt beyond it waits up
     * to {@link #maxWaitDuration(Duration)} and is then rejected with
     * {@link BulkheadFullException}. Default {@value ResiliencePolicy#DEFAULT_MAX_CONCURRENT_CALLS}.
     *
     * @param maxConcurrentCalls the number of concurrent calls, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code maxConcurrentCalls} is less than 1
     * @throws IllegalStateException if already set on this builder
     */
    public Builder maxConcurrentCalls(int maxConcurrentCalls) {
      if (maxConcurrentCalls < 1) {
        throw new IllegalArgumentException("maxConcurrentCalls must be >= 1 but was " + maxConcurrentCalls);
      }
      settings.requireUnset("maxConcurrentCalls", this.maxConcurrentCalls);
      this.maxConcurrentCalls = maxConcurrentCalls;
      bulkheadEnabled = true;
      return this;
    }

    /**
     * Sets how long an attempt waits for a bulkhead permit, in real time, before it is rejected,
     * and enables the bulkhead. The wait blocks the calling thread, also in
     * {@link ResiliencePolicy#executeAsync(Supplier)}, so keep it zero for async use. Default zero.
     *
     * @param maxWaitDuration the wait, zero or more
     * @return this builder
     * @throws NullPointerException if {@code maxWaitDuration} is null
     * @throws IllegalArgumentException if {@code maxWaitDuration} is negative
     * @throws IllegalStateException if already set on this builder
     */
    public Builder maxWaitDuration(Duration maxWaitDuration) {
      Arguments.notNegative(maxWaitDuration, "maxWaitDuration");
      settings.requireUnset("maxWaitDuration", this.maxWaitDuration);
      this.maxWaitDuration = maxWaitDuration;
      bulkheadEnabled = true;
      return this;
    }

    // ---- timeout ----

    /**
     * Sets the timeout of each attempt, enforced by Resilience4j's time limiter. Off by default.
     * {@link ResiliencePolicy#executeAsync(Supplier)} enforces it on the scheduler;
     * {@link ResiliencePolicy#execute(Supplier)} only with a
     * {@link #syncTimeoutExecutor(ExecutorService)}.
     *
     * @param timeout the per-attempt timeout, at least 1 ms (the time limiter counts whole
     *     milliseconds)
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is less than 1 ms
     * @throws IllegalStateException if already set on this builder
     */
    public Builder timeout(Duration timeout) {
      Arguments.atLeastOneMilli(timeout, "timeout");
      settings.requireUnset("timeout", this.timeout);
      this.timeout = timeout;
      return this;
    }

    /**
     * Sets the executor that runs each synchronous attempt when a {@link #timeout(Duration)} is
     * set, so that the calling thread can stop waiting. A timed-out attempt is cancelled with an
     * interrupt. Size it for the concurrent synchronous calls: a queued attempt's time counts
     * against its timeout. The policy never shuts it down.
     *
     * @param syncTimeoutExecutor the executor
     * @return this builder
     * @throws NullPointerException if {@code syncTimeoutExecutor} is null
     * @throws IllegalStateException if already set on this builder
     */
    public Builder syncTimeoutExecutor(ExecutorService syncTimeoutExecutor) {
      Objects.requireNonNull(syncTimeoutExecutor, "syncTimeoutExecutor");
      settings.requireUnset("syncTimeoutExecutor", this.syncTimeoutExecutor);
      this.syncTimeoutExecutor = syncTimeoutExecutor;
      return this;
    }

    // ---- infrastructure ----

    /**
     * Sets the time source of the circuit breaker's open-state wait and call durations; meant for
     * tests with a {@link ManualTimeSource}. Default {@link TimeSource#system()}. The retry
     * backoff waits with the {@link #sleeper(Sleeper)}, which is separate: give a test both.
     *
     * @param timeSource the time source
     * @return this builder
     * @throws NullPointerException if {@code timeSource} is null
     * @throws IllegalStateException if already set on this builder
     */
    public Builder timeSource(TimeSource timeSource) {
      Objects.requireNonNull(timeSource, "timeSource");
      settings.requireUnset("timeSource", this.timeSource);
      this.timeSource = timeSource;
      return this;
    }

    /**
     * Sets how {@link ResiliencePolicy#execute(Supplier)} waits between attempts; meant for tests
     * with {@link ManualTimeSource#sleeper()}, which advances the clock instead of blocking.
     * Default {@link Sleeper#system()}. Async calls wait on the scheduler instead.
     *
     * @param sleeper the sleeper
     * @return this builder
     * @throws NullPointerException if {@code sleeper} is null
     * @throws IllegalStateException if already set on this builder
     */
    public Builder sleeper(Sleeper sleeper) {
      Objects.requireNonNull(sleeper, "sleeper");
      settings.requireUnset("sleeper", this.sleeper);
      this.sleeper = sleeper;
      return this;
    }

    /**
     * Sets the scheduler for async backoff and async timeouts. Retried async attempts start on its
     * threads. Default: a scheduler shared by all policies, with two daemon threads, started on
     * the first async call. The policy never shuts it down.
     *
     * @param scheduler the scheduler
     * @return this builder
     * @throws NullPointerException if {@code scheduler} is null
     * @throws IllegalStateException if already set on this builder
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      Objects.requireNonNull(scheduler, "scheduler");
      settings.requireUnset("scheduler", this.scheduler);
      this.scheduler = scheduler;
      return this;
    }

    /**
     * Publishes the Resilience4j metrics of the enabled components to {@code meterRegistry}, tagged
     * {@code name=<policy name>}, under Layerkit names:
     *
     * <ul>
     *   <li>{@code layerkit.resilience.retry.calls} (tag {@code kind}: successful or failed, with
     *       or without retry);</li>
     *   <li>{@code layerkit.resilience.circuitbreaker.calls}, {@code .not.permitted.calls},
     *       {@code .state}, {@code .buffered.calls}, {@code .slow.calls}, {@code .failure.rate},
     *       {@code .slow.call.rate};</li>
     *   <li>{@code layerkit.resilience.bulkhead.available.concurrent.calls},
     *       {@code .max.allowed.concurrent.calls};</li>
     *   <li>{@code layerkit.resilience.timelimiter.calls} (tag {@code kind}: successful, failed,
     *       timeout).</li>
     * </ul>
     *
     * <p>Off by default. Cost: the meters are registered once, at {@link #build()}; gauges and
     * function counters read Resilience4j's own counters only when scraped, while the breaker's
     * call timer and the time limiter's counters are updated from Resilience4j events, which adds
     * an event object and a meter update to each call. Policy names must be unique within a
     * registry: Micrometer hands a second policy of the same name the first one's meters, so its
     * own numbers are never reported. This includes a policy rebuilt with
     * {@link ResiliencePolicy#toBuilder()} into the same registry.
     *
     * @param meterRegistry the registry
     * @return this builder
     * @throws NullPointerException if {@code meterRegistry} is null
     * @throws IllegalStateException if already set on this builder
     */
    public Builder meterRegistry(MeterRegistry meterRegistry) {
      Objects.requireNonNull(meterRegistry, "meterRegistry");
      settings.requireUnset("meterRegistry", this.meterRegistry);
      this.meterRegistry = meterRegistry;
      return this;
    }

    /**
     * Builds the policy and, if a {@link #meterRegistry(MeterRegistry)} is set, registers its
     * meters. The builder can be used again afterwards.
     *
     * @return a new, thread-safe policy
     * @throws IllegalStateException if settings conflict: {@code initialBackoff} above
     *     {@code maxBackoff}, {@code minimumNumberOfCalls} above {@code slidingWindowSize}, or a
     *     {@code syncTimeoutExecutor} without a {@code timeout}
     */
    public ResiliencePolicy build() {
      if (retryEnabled && initialBackoff.compareTo(maxBackoff) > 0) {
        throw new IllegalStateException(
            "initialBackoff (" + initialBackoff + ") must be <= maxBackoff (" + maxBackoff + ")");
      }
      if (circuitBreakerEnabled && minimumNumberOfCalls > slidingWindowSize) {
        throw new IllegalStateException("minimumNumberOfCalls (" + minimumNumberOfCalls
            + ") must be <= slidingWindowSize (" + slidingWindowSize + ")");
      }
      if (syncTimeoutExecutor != null && timeout == null) {
        throw new IllegalStateException("syncTimeoutExecutor is set but no timeout is: set timeout(...) too");
      }
      return new ResiliencePolicy(this);
    }

    private int effectiveMinimumNumberOfCalls() {
      return minimumNumberOfCalls == 0 ? slidingWindowSize : minimumNumberOfCalls;
    }

    private String describe() {
      StringBuilder out = new StringBuilder("name=").append(name);
      if (retryEnabled) {
        out.append(", retry={maxAttempts=").append(maxAttempts)
            .append(", initialBackoff=").append(initialBackoff)
            .append(", backoffMultiplier=").append(backoffMultiplier)
            .append(", maxBackoff=").append(maxBackoff).append('}');
      }
      if (circuitBreakerEnabled) {
        out.append(", circuitBreaker={failureRateThreshold=").append(failureRateThreshold)
            .append(", slidingWindowSize=").append(slidingWindowSize)
            .append(", minimumNumberOfCalls=").append(effectiveMinimumNumberOfCalls())
            .append(", waitDurationInOpenState=").append(waitDurationInOpenState)
            .append(", permittedNumberOfCallsInHalfOpenState=").append(permittedNumberOfCallsInHalfOpenState)
            .append('}');
      }
      if (bulkheadEnabled) {
        out.append(", bulkhead={maxConcurrentCalls=").append(maxConcurrentCalls)
            .append(", maxWaitDuration=").append(maxWaitDuration).append('}');
      }
      if (timeout != null) {
        out.append(", timeout=").append(timeout);
      }
      return out.toString();
    }

    @Override
    public String toString() {
      return "ResiliencePolicy.Builder{" + describe() + '}';
    }
  }
}
