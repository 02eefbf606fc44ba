package dev.layerkit.events.pipeline.flink;

import dev.layerkit.events.pipeline.PipelineProgress;
import dev.layerkit.events.pipeline.PipelineReport;
import dev.layerkit.events.pipeline.flink.internal.PlanOperator;
import dev.layerkit.events.pipeline.flink.internal.RowCounter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * A Flink job's progress and meters, made from its accumulators as the engine polls them: the
 * in-process engine's {@link PipelineProgress} and its meters under the same names ({@code
 * layerkit.pipeline.records.read}, {@code .windows.emitted}, {@code .dead.letters}, {@code
 * .late.dropped}, the gauge {@code layerkit.pipeline.lag}, tagged {@code name}).
 *
 * <p>Counts: the progress has the whole job's (restored ones included), the counters this run's
 * work only, as in process: a counter starts from the count the restored checkpoint held and
 * never goes back, so records replayed after Flink restarts a task from a checkpoint are not
 * counted twice. The lag is the source's record count (asked again at each poll: a topic grows)
 * less the records read, or -1 when the source cannot tell.
 *
 * <p>Thread-safe: {@link #update} is synchronized (the engine's poller and its closing thread may
 * both call it); {@link #latest} is a volatile read.
 */
final class JobProgress implements AutoCloseable {

  private final String name;
  private final Consumer<PipelineProgress> callback;
  private final @Nullable MeterRegistry registry;
  private final LongSupplier sourceRecords;
  private final @Nullable Counter readCounter;
  private final @Nullable Counter emittedCounter;
  private final @Nullable Counter deadLetterCounter;
  private final @Nullable Counter lateCounter;
  private final @Nullable Gauge lagGauge;
  private final AtomicLong lag = new AtomicLong(-1);
  private final long[] seen = {Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE};
  private volatile PipelineProgress latest;

  /**
   * Creates the progress of a job.
   *
   * @param name the pipeline's name
   * @param callback called with each new progress
   * @param registry where the meters go, or null for none
   * @param sourceRecords the records in the source now, or -1 if unknown
   */
  JobProgress(String name, Consumer<PipelineProgress> callback, @Nullable MeterRegistry registry,
      LongSupplier sourceRecords) {
    this.name = name;
    this.callback = callback;
    this.registry = registry;
    this.sourceRecords = sourceRecords;
    this.latest = new PipelineProgress(name, 0, 0, 0, 0, -1);
    if (registry != null) {
      readCounter = registry.counter("layerkit.pipeline.records.read", "name", name);
      emittedCounter = registry.counter("layerkit.pipeline.windows.emitted", "name", name);
      deadLetterCounter = registry.counter("layerkit.pipeline.dead.letters", "name", name);
      lateCounter = registry.counter("layerkit.pipeline.late.dropped", "name", name);
      lagGauge = Gauge.builder("layerkit.pipeline.lag", lag, AtomicLong::get).tag("name", name)
          .description("records in the source not yet read, -1 if unknown")
          .register(registry);
    } else {
      readCounter = null;
      emittedCounter = null;
      deadLetterCounter = null;
      lateCounter = null;
      lagGauge = null;
    }
  }

  /**
   * Takes a snapshot of the job's accumulators (while it runs, as of Flink's last heartbeat),
   * moves the meters on and calls the callback if anything changed.
   *
   * @param accumulators the job's accumulators by name
   * @return the progress
   * @throws RuntimeException if the callback throws
   */
  synchronized PipelineProgress update(Map<String, Object> accumulators) {
    long read = count(accumulators, PlanOperator.READ);
    long total = sourceRecords.getAsLong();
    return publish(new PipelineProgress(name, read, count(accumulators, RowCounter.EMITTED),
        count(accumulators, PlanOperator.DEAD_LETTERS), count(accumulators, PlanOperator.LATE),
        total < 0 ? -1 : Math.max(0, total - read)), accumulators);
  }

  /**
   * Takes the final counts of a job that read its bounded source to the end: nothing remains.
   *
   * @param report the job's report
   * @param accumulators its final accumulators
   * @return the progress
   */
  synchronized PipelineProgress finish(PipelineReport report, Map<String, Object> accumulators) {
    return publish(new PipelineProgress(name, report.recordsRead(), report.windowsEmitted(),
        report.deadLetters(), report.lateDropped(), 0), accumulators);
  }

  private PipelineProgress publish(PipelineProgress now, Map<String, Object> accumulators) {
    move(0, readCounter, now.recordsRead(), count(accumulators, PlanOperator.RESUMED_AT));
    move(1, emittedCounter, now.windowsEmitted(),
        count(accumulators, RowCounter.RESUMED_EMITTED));
    move(2, deadLetterCounter, now.deadLetters(),
        count(accumulators, PlanOperator.RESUMED_DEAD_LETTERS));
    move(3, lateCounter, now.lateDropped(), count(accumulators, PlanOperator.RESUMED_LATE));
    lag.set(now.remaining());
    PipelineProgress before = latest;
    latest = now;
    if (!now.equals(before)) {
      callback.accept(now);
    }
    return now;
  }

  /** Adds to a counter what the job counted beyond its restored count and the last poll. */
  private void move(int i, @Nullable Counter counter, long value, long restored) {
    long from = Math.max(seen[i], restored);
    if (counter != null && value > from) {
      counter.increment(value - from);
    }
    seen[i] = Math.max(from, value);
  }

  private static long count(Map<String, Object> accumulators, String name) {
    return accumulators.get(name) instanceof Long n ? n : 0;
  }

  /**
   * Returns the last progress taken.
   *
   * @return the progress
   */
  PipelineProgress latest() {
    return latest;
  }

  /** Removes the lag gauge, which describes a running job only. */
  @Override
  public void close() {
    if (registry != null && lagGauge != null) {
      registry.remove(lagGauge);
    }
  }
}
