package dev.layerkit.service.saga;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.store.Filter;
import dev.layerkit.store.OptimisticLockException;
import dev.layerkit.store.Repository;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable saga: a sequence of steps, each with a compensation, whose state is saved in a
 * {@link Repository} after every transition so that a saga interrupted by a crash is finished, or
 * compensated, by another instance.
 *
 * <pre>{@code
 * Saga<PlaceOrder> placeOrder = Saga.builder("place-order", sagaRepository, Codecs.json(PlaceOrder.class))
 *     .step("reserve-stock", c -> inventory.reserve(c.stepKey(), c.input().items()),
 *         c -> inventory.release(c.stepKey()))
 *     .step("charge", c -> payments.charge(c.stepKey(), c.input().total()), c -> payments.refund(c.stepKey()))
 *     .step("confirm", c -> orders.confirm(c.input().orderId()))
 *     .stepTimeout(Duration.ofSeconds(10))
 *     .build();
 * SagaResult result = placeOrder.run("order-42", command);   // COMPLETED, or COMPENSATED if the charge failed
 * scheduler.scheduleAtFixedRate(placeOrder::resumeStale, 1, 1, TimeUnit.MINUTES);   // on every instance
 * }</pre>
 *
 * <p><b>Semantics.</b> Steps run in order. When a step's action throws, the steps completed
 * before it are compensated in reverse order and the saga ends {@link SagaStatus#COMPENSATED}. A
 * step that runs past its timeout is interrupted and, since its effect is unknown, compensated
 * along with the ones before it. A compensation that fails is retried up to {@link
 * Builder#compensationAttempts} times, after which the saga stops as {@link SagaStatus#FAILED},
 * its history saying where.
 *
 * <p><b>Durability and exactly-once steps.</b> The saga's {@link SagaRecord} is saved before
 * each step starts and after it ends, with the repository's optimistic version, and holds a lease
 * ({@link Builder#lease}) renewed by every save. An instance that dies leaves the lease to lapse;
 * {@link #resumeStale()} on any instance then takes the saga over (one instance wins the version
 * check) and continues where the record says: completed steps are not run again; the one step
 * that was started and not recorded as done is run again with the same {@link
 * StepContext#stepKey()}, which the callee uses to have the effect once. So each step has its
 * effect exactly once per saga, given callees that deduplicate on the step key.
 *
 * <p><b>Failure.</b> A step's {@link Exception} is a step failure (see above). An {@link Error}
 * from a step is passed on at once, without touching the record: the instance is taken as dead,
 * and the saga is resumed elsewhere after its lease. A repository failure is passed on likewise
 * (as the repository's {@code StoreException}). If another instance took the saga over while this
 * one ran it, this one stops with {@link SagaException}.
 *
 * <p><b>Thread safety.</b> Thread-safe: any number of sagas may run at once. Steps run on the
 * saga's executor so that their timeouts can interrupt them; timeouts are measured on the real
 * clock, while leases and history are stamped by the {@link TimeSource}. {@link #close()} stops
 * the executor the saga made.
 *
 * <p><b>Metrics.</b> With {@link Builder#meterRegistry}, all tagged {@code name}: {@code
 * layerkit.saga.finished} ({@code status}), {@code layerkit.saga.steps} ({@code step}, {@code
 * outcome}: completed, failed, timed_out), {@code layerkit.saga.step.duration} ({@code step}),
 * {@code layerkit.saga.compensations} ({@code step}, {@code outcome}) and {@code
 * layerkit.saga.resumed}.
 *
 * <p><b>Tracing.</b> With {@link Builder#observationRegistry}: {@code layerkit.saga} while this
 * instance drives a saga (from its first step, or its resume, to its end; a child of the
 * observation current on the calling thread, tagged {@code name}, {@code resumed}, {@code status},
 * {@code outcome}), and as its children {@code layerkit.saga.step} per call of a step's action and
 * {@code layerkit.saga.compensation} per attempt of a compensation (tagged {@code name}, {@code
 * step}, {@code outcome}: success, error, timed_out). A step's observation is current on the
 * executor thread while its code runs, so what the step calls through an observed client is its
 * child. A step's failure is recorded as the error of its observation and of the saga's.
 *
 * @param <I> the input type
 */
public final class Saga<I> implements AutoCloseable {

  /** The default timeout of a step's action or compensation: 30 seconds. */
  public static final Duration DEFAULT_STEP_TIMEOUT = Duration.ofSeconds(30);

  /** The default lease: 5 minutes without a save before another instance may take a saga over. */
  public static final Duration DEFAULT_LEASE = Duration.ofMinutes(5);

  /** The default number of attempts of a compensation before the saga stops as failed. */
  public static final int DEFAULT_COMPENSATION_ATTEMPTS = 3;

  /** The most sagas {@link #resumeStale()} takes over in one call. */
  public static final int RESUME_BATCH = 100;

  private static final Logger LOG = LoggerFactory.getLogger(Saga.class);
  private static final Set<SagaStatus> LIVE = Set.of(SagaStatus.RUNNING, SagaStatus.COMPENSATING);

  private final String name;
  private final Repository<String, SagaRecord> repository;
  private final Codec<I> codec;
  private final TimeSource timeSource;
  private final String instanceId;
  private final long leaseMillis;
  private final ExecutorService executor;
  private final boolean ownsExecutor;
  private final SagaMeters meters;
  private final SagaDriver<I> driver;

  private Saga(Builder<I> b) {
    this.name = b.name;
    this.repository = b.repository;
    this.codec = b.codec;
    this.timeSource = b.timeSource;
    this.instanceId = b.instanceId != null ? b.instanceId
        : ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
    this.leaseMillis = b.lease.toMillis();
    this.ownsExecutor = b.executor == null;
    this.executor = b.executor != null ? b.executor : newExecutor(b.name);
    this.meters = new SagaMeters(b.name, b.meterRegistry);
    List<SagaStep<I>> steps = new ArrayList<>();
    for (SagaStep<I> step : b.steps) {
      steps.add(new SagaStep<>(step.name(), step.action(), step.compensation(),
          step.timeout() == NO_TIMEOUT ? b.stepTimeout : step.timeout()));
    }
    this.driver = new SagaDriver<>(name, steps, repository, codec, timeSource, instanceId, leaseMillis,
        b.compensationAttempts, executor, meters, new SagaObservations(b.observationRegistry, b.name));
  }

  /**
   * Starts a saga definition.
   *
   * @param name the saga's name, stored with each of its records; instances that resume each
   *     other's sagas use the same name and steps
   * @param repository where saga records are kept, made with {@link SagaRecord#descriptor()}
   * @param inputCodec encodes the input as UTF-8 text (JSON) into the record
   * @param <I> the input type
   * @return a builder
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public static <I> Builder<I> builder(String name, Repository<String, SagaRecord> repository, Codec<I> inputCodec) {
    return new Builder<>(Arguments.notBlank(name, "name"), Objects.requireNonNull(repository, "repository"),
        Objects.requireNonNull(inputCodec, "inputCodec"));
  }

  /**
   * Returns the saga's name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Returns the id this instance records as the owner of the sagas it drives.
   *
   * @return the instance id
   */
  public String instanceId() {
    return instanceId;
  }

  /**
   * Runs a saga to its end on the calling thread (its steps run on the executor) and returns where
   * it ended.
   *
   * <p>The id identifies the saga: a second {@code run} with an id already stored does not start
   * another. It returns the result of a finished saga, resumes one whose lease lapsed (with the
   * stored input), and throws {@link SagaException} for one another instance holds.
   *
   * @param sagaId the saga's id, for example the order id
   * @param input the input, given to every step
   * @return the result: {@link SagaStatus#COMPLETED}, {@link SagaStatus#COMPENSATED} or {@link
   *     SagaStatus#FAILED}
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code sagaId} is blank
   * @throws SagaException if another instance holds or takes over the saga, or the thread is
   *     interrupted
   * @throws Error what a step throws as an {@code Error}; the saga is left for resume
   */
  public SagaResult run(String sagaId, I input) {
    Arguments.notBlank(sagaId, "sagaId");
    Objects.requireNonNull(input, "input");
    String text = new String(codec.encode(input), StandardCharsets.UTF_8);
    long now = timeSource.epochMillis();
    SagaRecord created;
    try {
      created = repository.save(SagaRecord.start(sagaId, name, text, instanceId, now, now + leaseMillis));
    } catch (OptimisticLockException exists) {
      SagaRecord stored = repository.findById(sagaId).orElseThrow(() -> exists);
      return continueStored(stored);
    }
    return driver.drive(created, false);
  }

  /**
   * Like {@link #run}, on the saga's executor.
   *
   * @param sagaId the saga's id
   * @param input the input
   * @return the result's future, failed with what {@link #run} would throw
   * @throws NullPointerException if an argument is null
   */
  public CompletableFuture<SagaResult> runAsync(String sagaId, I input) {
    Objects.requireNonNull(sagaId, "sagaId");
    Objects.requireNonNull(input, "input");
    return CompletableFuture.supplyAsync(() -> run(sagaId, input), executor);
  }

  /**
   * Drives one stored saga to its end if no instance holds it: a finished saga's result is
   * returned as is; a live one whose lease lapsed is taken over and continued.
   *
   * @param sagaId the saga's id
   * @return the result, or empty if no saga has the id
   * @throws SagaException if another instance holds the saga, or the id belongs to another saga
   */
  public Optional<SagaResult> resume(String sagaId) {
    Arguments.notBlank(sagaId, "sagaId");
    return repository.findById(sagaId).map(this::continueStored);
  }

  /**
   * Takes over and finishes this saga's live sagas whose lease lapsed (their instance died), up
   * to {@value #RESUME_BATCH} per call. Meant to be called periodically on every instance: when
   * two instances find one saga, one wins it and the other skips it.
   *
   * @return the results of the sagas this call finished
   */
  public List<SagaResult> resumeStale() {
    long now = timeSource.epochMillis();
    List<SagaRecord> stale = repository.findAll(Filter.eq("saga", name)
        .and(Filter.in("status", List.of(SagaStatus.RUNNING.name(), SagaStatus.COMPENSATING.name())))
        .and(Filter.lte("leaseUntil", now))
        .limit(RESUME_BATCH));
    List<SagaResult> results = new ArrayList<>();
    for (SagaRecord record : stale) {
      try {
        results.add(takeOver(record));
      } catch (SagaException e) {
        LOG.debug("saga {} '{}': another instance resumed it first", name, record.id());
      }
    }
    return results;
  }

  /**
   * Returns a saga's stored state.
   *
   * @param sagaId the saga's id
   * @return the record, or empty
   * @throws dev.layerkit.store.StoreException if the repository fails
   */
  public Optional<SagaRecord> find(String sagaId) {
    return repository.findById(Arguments.notBlank(sagaId, "sagaId")).filter(r -> r.saga().equals(name));
  }

  /**
   * Returns a saga's history, oldest first: each step started, completed, failed, timed out or
   * compensated, each resume, and the end.
   *
   * @param sagaId the saga's id
   * @return the events, empty if no saga of this name has the id
   * @throws dev.layerkit.store.StoreException if the repository fails
   */
  public List<SagaEvent> history(String sagaId) {
    return find(sagaId).map(SagaRecord::events).orElse(List.of());
  }

  /**
   * Stops the executor the saga made (not one given to the builder), interrupting steps still
   * running; their sagas are resumed elsewhere after the lease.
   */
  @Override
  public void close() {
    if (ownsExecutor) {
      executor.shutdownNow();
      try {
        executor.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private SagaResult continueStored(SagaRecord stored) {
    if (!stored.saga().equals(name)) {
      throw SagaException.otherSaga(name, stored.id(), stored.saga());
    }
    if (stored.status().isFinal()) {
      return SagaResult.of(stored);
    }
    if (stored.leaseUntil() > timeSource.epochMillis() && !stored.owner().equals(instanceId)) {
      throw SagaException.heldByAnother(name, stored.id(), stored.owner(), stored.leaseUntil());
    }
    return takeOver(stored);
  }

  private SagaResult takeOver(SagaRecord stored) {
    SagaRecord taken = driver.save(driver.next(stored).event(SagaEvent.Type.SAGA_RESUMED, null,
        "from " + stored.owner()));
    meters.resumed();
    LOG.info("saga {} '{}' resumed by {} from {} ({} at step {})", name, stored.id(), instanceId, stored.owner(),
        stored.status(), stored.step());
    return driver.drive(taken, true);
  }

  private static ExecutorService newExecutor(String name) {
    AtomicInteger count = new AtomicInteger();
    return Executors.newCachedThreadPool(task -> {
      Thread thread = new Thread(task, "layerkit-saga-" + name + '-' + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
  }

  @Override
  public String toString() {
    return "Saga{name=" + name + ", instance=" + instanceId + ", repository=" + repository.name() + '}';
  }

  /**
   * Configures a {@link Saga}: its steps in order, and settings each given once ({@link
   * IllegalStateException} otherwise). Not thread-safe; the saga it builds is.
   *
   * @param <I> the input type
   */
  public static final class Builder<I> {
    private final BuilderSettings settings = new BuilderSettings();
    private final String name;
    private final Repository<String, SagaRecord> repository;
    private final Codec<I> codec;
    private final List<SagaStep<I>> steps = new ArrayList<>();
    private final Set<String> stepNames = new HashSet<>();
    private Duration stepTimeout = DEFAULT_STEP_TIMEOUT;
    private Duration lease = DEFAULT_LEASE;
    private int compensationAttempts = DEFAULT_COMPENSATION_ATTEMPTS;
    private TimeSource timeSource = TimeSource.system();
    private @Nullable String instanceId;
    private @Nullable ExecutorService executor;
    private @Nullable MeterRegistry meterRegistry;
    private ObservationRegistry observationRegistry = ObservationRegistry.NOOP;

    private Builder(String name, Repository<String, SagaRecord> repository, Codec<I> codec) {
      this.name = name;
      this.repository = repository;
      this.codec = codec;
    }

    /**
     * Adds a step with nothing to compensate (a last step, or a read), with the saga's step
     * timeout.
     *
     * @param stepName the step's name, unique in the saga
     * @param action the step's action
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code stepName} is blank or contains {@code /}
     * @throws IllegalStateException if a step has that name
     */
    public Builder<I> step(String stepName, StepAction<I> action) {
      return add(stepName, action, null, null);
    }

    /**
     * Adds a step and its compensation, with the saga's step timeout.
     *
     * @param stepName the step's name, unique in the saga
     * @param action the step's action
     * @param compensation undoes the step
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code stepName} is blank or contains {@code /}
     * @throws IllegalStateException if a step has that name
     */
    public Builder<I> step(String stepName, StepAction<I> action, Compensation<I> compensation) {
      return add(stepName, action, Objects.requireNonNull(compensation, "compensation"), null);
    }

    /**
     * Adds a step and its compensation with a timeout of its own, for both.
     *
     * @param stepName the step's name, unique in the saga
     * @param action the step's action
     * @param compensation undoes the step
     * @param timeout how long the action, or one attempt of the compensation, may run; at least
     *     1 ms and below the lease
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code stepName} is blank or contains {@code /}, or
     *     {@code timeout} is less than 1 ms
     * @throws IllegalStateException if a step has that name
     */
    public Builder<I> step(String stepName, StepAction<I> action, Compensation<I> compensation, Duration timeout) {
      return add(stepName, action, Objects.requireNonNull(compensation, "compensation"),
          Arguments.atLeastOneMilli(timeout, "timeout"));
    }

    private Builder<I> add(String stepName, StepAction<I> action, @Nullable Compensation<I> compensation,
        @Nullable Duration timeout) {
      Arguments.notBlank(stepName, "stepName");
      Objects.requireNonNull(action, "action");
      if (stepName.indexOf('/') >= 0) {
        throw new IllegalArgumentException("stepName must not contain '/' but was '" + stepName + "'");
      }
      if (!stepNames.add(stepName)) {
        throw new IllegalStateException("step " + stepName + " was already added");
      }
      // A null timeout stands for the saga's step timeout, filled in by the Saga's constructor.
      steps.add(new SagaStep<>(stepName, action, compensation, timeout == null ? NO_TIMEOUT : timeout));
      return this;
    }

    /**
     * Sets the timeout of steps added without one of their own; {@link #DEFAULT_STEP_TIMEOUT} by
     * default.
     *
     * @param stepTimeout the timeout, at least 1 ms and below the lease
     * @return this builder
     * @throws NullPointerException if {@code stepTimeout} is null
     * @throws IllegalArgumentException if it is less than 1 ms
     * @throws IllegalStateException if already set
     */
    public Builder<I> stepTimeout(Duration stepTimeout) {
      settings.requireUnset("stepTimeout", this.stepTimeout);
      this.stepTimeout = Arguments.atLeastOneMilli(stepTimeout, "stepTimeout");
      return this;
    }

    /**
     * Sets how long an instance holds a saga after its last save before another instance may
     * take it over; {@link #DEFAULT_LEASE} by default. It must exceed every step timeout, or a
     * step still running could see its saga taken over.
     *
     * @param lease the lease, at least 1 ms
     * @return this builder
     * @throws NullPointerException if {@code lease} is null
     * @throws IllegalArgumentException if it is less than 1 ms
     * @throws IllegalStateException if already set
     */
    public Builder<I> lease(Duration lease) {
      settings.requireUnset("lease", this.lease);
      this.lease = Arguments.atLeastOneMilli(lease, "lease");
      return this;
    }

    /**
     * Sets how many times a failing compensation is tried before the saga stops as {@link
     * SagaStatus#FAILED}; {@value #DEFAULT_COMPENSATION_ATTEMPTS} by default.
     *
     * @param compensationAttempts the attempts, &gt; 0
     * @return this builder
     * @throws IllegalArgumentException if it is not positive
     * @throws IllegalStateException if already set
     */
    public Builder<I> compensationAttempts(int compensationAttempts) {
      settings.requireUnset("compensationAttempts", this.compensationAttempts);
      this.compensationAttempts = Arguments.positive(compensationAttempts, "compensationAttempts");
      return this;
    }

    /**
     * Sets the clock that stamps leases and history; {@link TimeSource#system()} by default.
     * Meant for tests ({@code ManualTimeSource}); instances that resume each other's sagas
     * compare each other's stamps, so their clocks should agree to well within the lease.
     *
     * @param timeSource the clock
     * @return this builder
     * @throws NullPointerException if {@code timeSource} is null
     * @throws IllegalStateException if already set
     */
    public Builder<I> timeSource(TimeSource timeSource) {
      settings.requireUnset("timeSource", this.timeSource);
      this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    /**
     * Sets the id recorded as the owner of the sagas this instance drives; the process id and a
     * random suffix by default.
     *
     * @param instanceId the id, unique among instances
     * @return this builder
     * @throws NullPointerException if {@code instanceId} is null
     * @throws IllegalArgumentException if it is blank
     * @throws IllegalStateException if already set
     */
    public Builder<I> instanceId(String instanceId) {
      settings.requireUnset("instanceId", this.instanceId);
      this.instanceId = Arguments.notBlank(instanceId, "instanceId");
      return this;
    }

    /**
     * Sets the executor steps run on; by default the saga makes a cached pool of daemon threads
     * and stops it in {@link Saga#close()}. A given executor is not stopped by the saga; it needs
     * a free thread for each step running at once (two per saga started by {@code runAsync}).
     *
     * @param executor the executor
     * @return this builder
     * @throws NullPointerException if {@code executor} is null
     * @throws IllegalStateException if already set
     */
    public Builder<I> executor(ExecutorService executor) {
      settings.requireUnset("executor", this.executor);
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Sets where the meters are registered; none by default. Costs a few counter increments per
     * step.
     *
     * @param meterRegistry the registry
     * @return this builder
     * @throws NullPointerException if {@code meterRegistry} is null
     * @throws IllegalStateException if already set
     */
    public Builder<I> meterRegistry(MeterRegistry meterRegistry) {
      settings.requireUnset("meterRegistry", this.meterRegistry);
      this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
      return this;
    }

    /**
     * Sets where the saga reports its observations ({@code layerkit.saga}, {@code
     * layerkit.saga.step}, {@code layerkit.saga.compensation}, see the class description), with
     * the tracer's handlers registered on it; {@link ObservationRegistry#NOOP} by default, which
     * costs nothing, as does a registry without handlers. With a tracer, a step costs an
     * observation and a scope opened on the executor thread, small beside the step's own remote
     * call and the two saves around it.
     *
     * @param observationRegistry the registry
     * @return this builder
     * @throws NullPointerException if {@code observationRegistry} is null
     * @throws IllegalStateException if already set
     */
    public Builder<I> observationRegistry(ObservationRegistry observationRegistry) {
      Objects.requireNonNull(observationRegistry, "observationRegistry");
      settings.requireUnset("observationRegistry", this.observationRegistry);
      this.observationRegistry = observationRegistry;
      return this;
    }

    /**
     * Builds the saga.
     *
     * @return a thread-safe saga
     * @throws IllegalStateException if no step was added, or a step timeout is not below the lease
     */
    public Saga<I> build() {
      if (steps.isEmpty()) {
        throw new IllegalStateException("saga " + name + " has no steps");
      }
      for (SagaStep<I> step : steps) {
        Duration timeout = step.timeout() == NO_TIMEOUT ? stepTimeout : step.timeout();
        if (timeout.compareTo(lease) >= 0) {
          throw new IllegalStateException("timeout of step " + step.name() + " (" + timeout
              + ") must be below the lease (" + lease + ")");
        }
      }
      return new Saga<>(this);
    }
  }

  /** Marks a step added without a timeout of its own. Compared by identity. */
  private static final Duration NO_TIMEOUT = Duration.ofNanos(-1);
}
