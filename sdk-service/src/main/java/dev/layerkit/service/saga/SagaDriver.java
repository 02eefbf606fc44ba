package dev.layerkit.service.saga;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.observation.ObservationTags;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.store.OptimisticLockException;
import dev.layerkit.store.Repository;
import io.micrometer.observation.Observation;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one saga record to a final status: the state machine behind {@link Saga}.
 *
 * <p><b>State machine.</b> One case per {@link SagaStatus}, one saved transition per step:
 * <pre>
 *   RUNNING, step i      -- save STEP_STARTED, run action i --&gt; ok: save STEP_COMPLETED, step i+1
 *                                                           failed: save STEP_FAILED, COMPENSATING from i-1
 *                                                           timed out: save STEP_TIMED_OUT, COMPENSATING from i
 *   RUNNING, step n      -- save SAGA_COMPLETED --&gt; COMPLETED
 *   COMPENSATING, step i -- compensation i --&gt; ok: save STEP_COMPENSATED, step i-1
 *                                            failed n times: save SAGA_FAILED --&gt; FAILED
 *   COMPENSATING, -1     -- save SAGA_COMPENSATED --&gt; COMPENSATED
 * </pre>
 *
 * <p><b>Invariants.</b> A step's action is called only after {@code STEP_STARTED} is saved, and
 * the next step only after {@code STEP_COMPLETED} is saved, so a resumed saga never runs a
 * completed step again and re-runs at most the one step that was started and not recorded as
 * done (which its step key makes idempotent). Every save is a compare-and-set on the record's
 * version and renews the lease; a save that loses means another instance took the saga over, and
 * this one stops with {@link SagaException}. An {@link Error} from a step (or an interrupt) is
 * passed on without a save: the instance is taken as dead and the saga waits for its lease to lapse.
 * So is a step stopped by {@link Saga#close()}: closing an instance is not a failure of its steps.
 *
 * <p><b>Observations.</b> {@link #drive} runs under the saga's observation (current on the driving
 * thread); each call of a step's code runs under its own, a child of the saga's, whose scope is
 * opened on the executor thread that runs the code. With tracing off both are {@link
 * Observation#NOOP} and no scope is opened.
 */
final class SagaDriver<I> {

  private static final Logger LOG = LoggerFactory.getLogger(SagaDriver.class);

  private final String name;
  private final List<SagaStep<I>> steps;
  private final Repository<String, SagaRecord> repository;
  private final Codec<I> codec;
  private final TimeSource timeSource;
  private final String instance;
  private final long leaseMillis;
  private final int compensationAttempts;
  private final ExecutorService executor;
  private final SagaMeters meters;
  private final SagaObservations observations;

  SagaDriver(String name, List<SagaStep<I>> steps, Repository<String, SagaRecord> repository, Codec<I> codec,
      TimeSource timeSource, String instance, long leaseMillis, int compensationAttempts, ExecutorService executor,
      SagaMeters meters, SagaObservations observations) {
    this.name = name;
    this.steps = List.copyOf(steps);
    this.repository = repository;
    this.codec = codec;
    this.timeSource = timeSource;
    this.instance = instance;
    this.leaseMillis = leaseMillis;
    this.compensationAttempts = compensationAttempts;
    this.executor = executor;
    this.meters = meters;
    this.observations = observations;
  }

  SagaRecord.Next next(SagaRecord record) {
    long now = timeSource.epochMillis();
    return record.next(instance, now, now + leaseMillis);
  }

  SagaRecord save(SagaRecord record) {
    try {
      return repository.save(record);
    } catch (OptimisticLockException e) {
      throw SagaException.takenOver(name, record.id(), e);
    }
  }

  /**
   * Drives a saga to a final status under its observation.
   *
   * @param resumed whether this instance took the saga over from another
   */
  @SuppressWarnings("try") // the scope makes the observation current; the body need not name it
  SagaResult drive(SagaRecord start, boolean resumed) {
    Observation saga = observations.saga(start.id(), resumed);
    if (saga.isNoop()) {
      return loop(start, saga);
    }
    SagaResult result;
    try (Observation.Scope scope = saga.openScope()) {
      result = loop(start, saga);
    } catch (RuntimeException | Error e) {
      SagaObservations.stopSaga(saga, null, e);
      throw e;
    }
    SagaObservations.stopSaga(saga, result.status(), null);
    return result;
  }

  private SagaResult loop(SagaRecord start, Observation saga) {
    SagaRecord record = start;
    I input = codec.decode(record.input().getBytes(StandardCharsets.UTF_8));
    while (true) {
      switch (record.status()) {
        case RUNNING:
          record = forward(record, input, saga);
          break;
        case COMPENSATING:
          record = backward(record, input, saga);
          break;
        case COMPLETED:
        case COMPENSATED:
        case FAILED:
          return SagaResult.of(record);
        default:
          throw new IllegalStateException("unknown saga status " + record.status());
      }
    }
  }

  private SagaRecord forward(SagaRecord record, I input, Observation saga) {
    if (record.step() >= steps.size()) {
      SagaRecord done = save(next(record).status(SagaStatus.COMPLETED).event(SagaEvent.Type.SAGA_COMPLETED, null, null));
      meters.finished(SagaStatus.COMPLETED);
      LOG.debug("saga {} '{}' completed", name, record.id());
      return done;
    }
    int index = record.step();
    SagaStep<I> step = steps.get(index);
    SagaRecord.Next starting = next(record);
    int attempt = starting.attempt(step.name());
    SagaRecord started = save(starting.event(SagaEvent.Type.STEP_STARTED, step.name(), attempt > 1 ? "attempt " + attempt : null));
    StepContext<I> context = new StepContext<>(record.id(), step.name(), input, started.outputs(), attempt);
    long begin = System.nanoTime();
    Observation observation = observations.step(saga, SagaObservations.STEP, step.name(), attempt);
    Outcome outcome = call(record.id(), step, observation, () -> step.action().run(context));
    meters.step(step.name(), outcome.tag(), System.nanoTime() - begin);
    if (outcome.cause != null && !saga.isNoop()) {
      saga.error(outcome.cause);   // the step's failure is why the saga compensates
    }
    switch (outcome.kind) {
      case DONE:
        return save(next(started).step(index + 1).output(step.name(), outcome.output)
            .event(SagaEvent.Type.STEP_COMPLETED, step.name(), null));
      case FAILED:
        LOG.info("saga {} '{}': step {} failed, compensating: {}", name, record.id(), step.name(), outcome.detail);
        return save(next(started).status(SagaStatus.COMPENSATING).step(index - 1)
            .failure("step " + step.name() + " failed: " + outcome.detail)
            .event(SagaEvent.Type.STEP_FAILED, step.name(), outcome.detail));
      case TIMED_OUT:
        LOG.info("saga {} '{}': step {} timed out after {}, compensating it and the steps before", name,
            record.id(), step.name(), step.timeout());
        return save(next(started).status(SagaStatus.COMPENSATING).step(index)
            .failure("step " + step.name() + " timed out after " + step.timeout())
            .event(SagaEvent.Type.STEP_TIMED_OUT, step.name(), outcome.detail));
      default:
        throw new IllegalStateException("unknown outcome " + outcome.kind);
    }
  }

  private SagaRecord backward(SagaRecord record, I input, Observation saga) {
    if (record.step() < 0) {
      SagaRecord done = save(next(record).status(SagaStatus.COMPENSATED).event(SagaEvent.Type.SAGA_COMPENSATED, null, null));
      meters.finished(SagaStatus.COMPENSATED);
      return done;
    }
    int index = record.step();
    SagaStep<I> step = steps.get(index);
    Compensation<I> compensation = step.compensation();
    if (compensation == null) {
      return save(next(record).step(index - 1).event(SagaEvent.Type.STEP_COMPENSATED, step.name(), "no compensation"));
    }
    SagaRecord current = record;
    while (true) {
      SagaRecord.Next attempting = next(current);
      int attempt = attempting.attempt(step.compensationCounter());
      StepContext<I> context = new StepContext<>(record.id(), step.name(), input, current.outputs(), attempt);
      Observation observation = observations.step(saga, SagaObservations.COMPENSATION, step.name(), attempt);
      Outcome outcome = call(record.id(), step, observation, () -> {
        compensation.compensate(context);
        return null;
      });
      if (outcome.kind == Outcome.Kind.DONE) {
        meters.compensation(step.name(), "compensated");
        return save(attempting.step(index - 1).event(SagaEvent.Type.STEP_COMPENSATED, step.name(), null));
      }
      meters.compensation(step.name(), "failed");
      LOG.warn("saga {} '{}': compensation of step {} failed (attempt {} of {}): {}", name, record.id(),
          step.name(), attempt, compensationAttempts, outcome.detail);
      current = save(attempting.event(SagaEvent.Type.COMPENSATION_FAILED, step.name(), outcome.detail));
      if (attempt >= compensationAttempts) {
        if (outcome.cause != null && !saga.isNoop()) {
          saga.error(outcome.cause);   // the compensation that could not be done is why it failed
        }
        LOG.error("saga {} '{}' stopped: step {} could not be compensated; it needs an operator", name,
            record.id(), step.name());
        SagaRecord failed = save(next(current).status(SagaStatus.FAILED)
            .failure("compensation of step " + step.name() + " failed: " + outcome.detail)
            .event(SagaEvent.Type.SAGA_FAILED, step.name(), outcome.detail));
        meters.finished(SagaStatus.FAILED);
        return failed;
      }
    }
  }

  /**
   * Runs a step's code on the executor, bounded by the step's timeout, under its observation
   * (stopped here, whatever the outcome).
   */
  private Outcome call(String sagaId, SagaStep<I> step, Observation observation, StepCall call) {
    Outcome outcome;
    try {
      outcome = callOnExecutor(sagaId, step, observation, call);
    } catch (RuntimeException | Error e) {
      SagaObservations.stopStep(observation, ObservationTags.ERROR, e);
      throw e;
    }
    SagaObservations.stopStep(observation, outcome.observedOutcome(), outcome.cause);
    return outcome;
  }

  private Outcome callOnExecutor(String sagaId, SagaStep<I> step, Observation observation, StepCall call) {
    Future<@Nullable String> future;
    try {
      Callable<@Nullable String> task = observation.isNoop() ? call::run : () -> runObserved(observation, call);
      future = executor.submit(task);
    } catch (RejectedExecutionException e) {
      throw SagaException.closed(name, sagaId, step.name(), e);
    }
    try {
      return Outcome.done(future.get(step.timeout().toNanos(), TimeUnit.NANOSECONDS));
    } catch (TimeoutException e) {
      future.cancel(true);
      String detail = "no answer within " + step.timeout();
      return new Outcome(Outcome.Kind.TIMED_OUT, null, detail,
          new TimeoutException("step " + step.name() + ": " + detail));
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (cause instanceof Error error) {
        throw error;
      }
      if (cause instanceof InterruptedException && executor.isShutdown()) {
        // Saga.close() interrupted the step: a stop of the instance, not a failure of the step.
        throw SagaException.closed(name, sagaId, step.name(), cause);
      }
      return new Outcome(Outcome.Kind.FAILED, null, String.valueOf(cause), cause);
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw SagaException.interrupted(name, sagaId, step.name(), e);
    }
  }

  /** Runs a step's code with its observation current on this (the executor's) thread. */
  @SuppressWarnings("try") // the scope makes the observation current; the body need not name it
  private static @Nullable String runObserved(Observation observation, StepCall call) throws Exception {
    try (Observation.Scope scope = observation.openScope()) {
      return call.run();
    }
  }

  @FunctionalInterface
  private interface StepCall {
    @Nullable String run() throws Exception;
  }

  /** What one call of a step's code came to. */
  private static final class Outcome {
    enum Kind { DONE, FAILED, TIMED_OUT }

    final Kind kind;
    final @Nullable String output;
    final @Nullable String detail;
    /** What failed the call, or a {@link TimeoutException} naming the step; null when done. */
    final @Nullable Throwable cause;

    Outcome(Kind kind, @Nullable String output, @Nullable String detail, @Nullable Throwable cause) {
      this.kind = kind;
      this.output = output;
      this.detail = detail;
      this.cause = cause;
    }

    static Outcome done(@Nullable String output) {
      return new Outcome(Kind.DONE, output, null, null);
    }

    /** The meters' outcome tag. */
    String tag() {
      return kind == Kind.DONE ? "completed" : kind == Kind.FAILED ? "failed" : "timed_out";
    }

    /** The observation's outcome tag, in the vocabulary every block's observations share. */
    String observedOutcome() {
      return kind == Kind.DONE ? ObservationTags.SUCCESS
          : kind == Kind.FAILED ? ObservationTags.ERROR : SagaObservations.TIMED_OUT;
    }
  }
}
