package dev.layerkit.events.pipeline;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.events.pipeline.internal.PipelinePlan;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process {@link PipelineEngine}, built with {@link PipelineEngines#inProcess()}: one
 * thread reads the source in its order, transforms each record, aggregates it in its windows and
 * hands closed windows to the sink. {@link #run} is a batch job on the calling thread, to the end
 * of the source's range; {@link #start} a streaming job on a thread of its own, following an
 * {@link UnboundedSource} until it is closed.
 *
 * <p>Design: closed windows are buffered and written to the sink every {@link
 * Builder#checkpointEvery} records, in one upsert; then the checkpoint (the source's position, the
 * open windows, the counts) is saved. A job killed at any point resumes from its last checkpoint:
 * it re-reads what followed it, re-emits the same windows (the same records in the same order give
 * the same aggregates, bit for bit) and upserts them again, so its table equals an uninterrupted
 * run's. The end of the source closes every open window; the last upsert is followed by deleting
 * the checkpoint.
 *
 * <p>Metrics, with a {@link Builder#meterRegistry}: counters {@code
 * layerkit.pipeline.records.read}, {@code layerkit.pipeline.windows.emitted}, {@code
 * layerkit.pipeline.dead.letters}, {@code layerkit.pipeline.late.dropped} and the gauge {@code
 * layerkit.pipeline.lag} (records left to read, as of the last progress call; -1 if the source
 * cannot tell), tagged {@code name} with the pipeline's name; counters count this process's work
 * (a resumed run does not count the records before its checkpoint). The progress callback gets
 * the same numbers, with the counts of the whole job.
 *
 * <p>Thread-safe: {@link #run} and {@link #start} may be called by several threads for different
 * pipelines; one pipeline must not run (or be started) twice at once on the same checkpoint
 * store.
 */
public final class InProcessPipelineEngine implements PipelineEngine {

  /** Records between two checkpoints (and sink upserts) unless {@link Builder#checkpointEvery}. */
  public static final int DEFAULT_CHECKPOINT_EVERY = 10_000;
  /** Time between two checkpoints of a streaming job unless {@link Builder#checkpointInterval}. */
  public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(10);
  /** Records between two progress calls unless {@link Builder#progressEvery} says otherwise. */
  public static final int DEFAULT_PROGRESS_EVERY = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(InProcessPipelineEngine.class);

  private final CheckpointStore checkpoints;
  private final int checkpointEvery;
  private final Duration checkpointInterval;
  private final int progressEvery;
  private final Consumer<PipelineProgress> progress;
  private final @Nullable MeterRegistry registry;
  private final TimeSource timeSource;

  private InProcessPipelineEngine(Builder b) {
    this.checkpoints = b.checkpoints;
    this.checkpointEvery = b.checkpointEvery;
    this.checkpointInterval = b.checkpointInterval;
    this.progressEvery = b.progressEvery;
    this.progress = b.progress;
    this.registry = b.registry;
    this.timeSource = b.timeSource;
  }

  @Override
  public PipelineReport run(Pipeline pipeline) {
    PipelinePlan plan = Objects.requireNonNull(pipeline, "pipeline").plan();
    String name = plan.name();
    long started = timeSource.nanoTime();
    InProcessJob job = new InProcessJob(plan, checkpoints, registry, false);
    if (job.resumedAt() > 0) {
      LOG.info("pipeline {}: resuming after {} records at {}", name, job.resumedAt(),
          job.position());
    }
    try (job; SourceReader<?> reader = plan.source().open(job.position())) {
      job.progress(reader.remaining());
      SourceRecord<?> record;
      while ((record = reader.next()) != null) {
        job.accept(record);
        if (job.read() % checkpointEvery == 0) {
          job.checkpoint(reader);
        }
        if (job.read() % progressEvery == 0) {
          progress.accept(job.progress(reader.remaining()));
        }
      }
      job.closeAll();
      job.flush();
      progress.accept(job.progress(0));
    } catch (RuntimeException e) {
      throw new PipelineException("pipeline " + name + " failed after " + job.read()
          + " records read: " + e.getMessage(), e);
    }
    job.deleteCheckpoint();
    PipelineReport report = job.report(Duration.ofNanos(timeSource.nanoTime() - started));
    LOG.info("{}", report.summary());
    return report;
  }

  /**
   * Starts a streaming job: a thread of its own follows the pipeline's unbounded source (a Kafka
   * topic) from its checkpoint, or from the start, until {@link RunningPipeline#close()}.
   *
   * <p>Windows are emitted as the stream's event time (the largest seen) passes their end and
   * grace, with the same rules for late and out-of-order records as a batch run; no window is
   * closed for lack of records. Closed windows are upserted, and the checkpoint saved, every
   * {@link Builder#checkpointEvery} records, every {@link Builder#checkpointInterval} while
   * records come, and whenever the source has caught up and closed windows wait, so the sink
   * trails the source by at most that much. Stopping saves a last checkpoint, which starting the
   * same pipeline again resumes exactly (the open windows are in it), and keeps it; a failure
   * keeps the one before. The progress callback is called on the job's thread every {@link
   * Builder#progressEvery} records, at each checkpoint and when the lag changes while idle.
   *
   * <p>Metrics are those of {@link #run}; the lag gauge is the records published and not yet
   * read. The job's thread is not a daemon: close the job before the application ends.
   *
   * @param pipeline the pipeline, whose source is an {@link UnboundedSource}
   * @return the running job; close it to stop it
   * @throws NullPointerException if {@code pipeline} is null
   * @throws IllegalArgumentException if the pipeline's source is bounded
   * @throws IllegalStateException if the checkpoint store holds a checkpoint of another
   *     definition, or of a batch run of this one, or one it cannot read
   */
  public RunningPipeline start(Pipeline pipeline) {
    PipelinePlan plan = Objects.requireNonNull(pipeline, "pipeline").plan();
    if (!(plan.source() instanceof UnboundedSource<?> source)) {
      throw new IllegalArgumentException("pipeline " + plan.name() + " cannot stream: its source "
          + plan.source().name() + " is bounded (" + plan.source().getClass().getSimpleName()
          + "); run it with run(), or read a topic");
    }
    InProcessJob job = new InProcessJob(plan, checkpoints, registry, true);
    InProcessStream stream = new InProcessStream(job, source, checkpointEvery,
        checkpointInterval, progressEvery, progress, timeSource);
    stream.start();
    return stream;
  }

  @Override
  public String toString() {
    return "InProcessPipelineEngine{checkpoints=" + checkpoints + ", every " + checkpointEvery
        + '}';
  }

  /**
   * Builds an {@link InProcessPipelineEngine}; start from {@link PipelineEngines#inProcess()}.
   * Each setting may be given once. Not thread-safe.
   */
  public static final class Builder {

    private final BuilderSettings settings = new BuilderSettings();
    private CheckpointStore checkpoints = CheckpointStores.none();
    private int checkpointEvery = DEFAULT_CHECKPOINT_EVERY;
    private Duration checkpointInterval = DEFAULT_CHECKPOINT_INTERVAL;
    private int progressEvery = DEFAULT_PROGRESS_EVERY;
    private Consumer<PipelineProgress> progress = p -> { };
    private @Nullable MeterRegistry registry;
    private TimeSource timeSource = TimeSource.system();

    Builder() {}

    /**
     * Sets where checkpoints are kept (default {@link CheckpointStores#none()}).
     *
     * @param checkpoints the store
     * @return this builder
     * @throws NullPointerException if {@code checkpoints} is null
     * @throws IllegalStateException if already set
     */
    public Builder checkpoints(CheckpointStore checkpoints) {
      settings.requireUnset("checkpoints", this.checkpoints);
      this.checkpoints = Objects.requireNonNull(checkpoints, "checkpoints");
      return this;
    }

    /**
     * Sets how many records are read between two sink upserts and checkpoints (default {@value
     * #DEFAULT_CHECKPOINT_EVERY}): fewer re-reads after a crash against more writes.
     *
     * @param records at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code records} is less than 1
     * @throws IllegalStateException if already set
     */
    public Builder checkpointEvery(int records) {
      settings.requireUnset("checkpointEvery", this.checkpointEvery);
      this.checkpointEvery = Arguments.positive(records, "checkpointEvery");
      return this;
    }

    /**
     * Sets how often a streaming job ({@link InProcessPipelineEngine#start}) upserts its closed
     * windows and saves its checkpoint while records come (default {@link
     * #DEFAULT_CHECKPOINT_INTERVAL}), besides every {@link #checkpointEvery} records. Batch runs
     * checkpoint by records only.
     *
     * @param interval at least 1 ms
     * @return this builder
     * @throws NullPointerException if {@code interval} is null
     * @throws IllegalArgumentException if less than 1 ms
     * @throws IllegalStateException if already set
     */
    public Builder checkpointInterval(Duration interval) {
      settings.requireUnset("checkpointInterval", this.checkpointInterval);
      this.checkpointInterval = Arguments.atLeastOneMilli(interval, "checkpointInterval");
      return this;
    }

    /**
     * Sets the progress callback, called on the engine's thread every {@link #progressEvery}
     * records and once at the end. Keep it quick.
     *
     * @param progress the callback
     * @return this builder
     * @throws NullPointerException if {@code progress} is null
     * @throws IllegalStateException if already set
     */
    public Builder progress(Consumer<PipelineProgress> progress) {
      settings.requireUnset("progress", this.progress);
      this.progress = Objects.requireNonNull(progress, "progress");
      return this;
    }

    /**
     * Sets how many records are read between two progress calls (default {@value
     * #DEFAULT_PROGRESS_EVERY}).
     *
     * @param records at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code records} is less than 1
     * @throws IllegalStateException if already set
     */
    public Builder progressEvery(int records) {
      settings.requireUnset("progressEvery", this.progressEvery);
      this.progressEvery = Arguments.positive(records, "progressEvery");
      return this;
    }

    /**
     * Sets the registry of the job's meters (none by default). Cost: a counter increment per
     * record.
     *
     * @param registry the registry
     * @return this builder
     * @throws NullPointerException if {@code registry} is null
     * @throws IllegalStateException if already set
     */
    public Builder meterRegistry(MeterRegistry registry) {
      settings.requireUnset("meterRegistry", this.registry);
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * Sets the time source of the report's elapsed time and of a streaming job's checkpoint
     * interval (default {@link TimeSource#system()}); meant for tests.
     *
     * @param timeSource the time source
     * @return this builder
     * @throws NullPointerException if {@code timeSource} is null
     * @throws IllegalStateException if already set
     */
    public Builder timeSource(TimeSource timeSource) {
      settings.requireUnset("timeSource", this.timeSource);
      this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    /**
     * Builds the engine. The builder can be used again afterwards.
     *
     * @return a new engine, thread-safe
     */
    public InProcessPipelineEngine build() {
      return new InProcessPipelineEngine(this);
    }
  }
}
