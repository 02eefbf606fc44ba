package dev.layerkit.events.pipeline;

import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.core.time.TimeSource;
import dev.layerkit.events.pipeline.internal.PipelinePlan;
import dev.layerkit.events.pipeline.internal.WindowState;
import dev.layerkit.events.stream.WindowedAggregate;
import dev.layerkit.events.stream.Windows;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process {@link PipelineEngine}, built with {@link PipelineEngines#inProcess()}: the
 * calling thread reads the source in its order, transforms each record, aggregates it in its
 * windows and hands closed windows to the sink.
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
 * layerkit.pipeline.lag} (records left), tagged {@code name} with the pipeline's name; counters
 * count this process's work (a resumed run does not count the records before its checkpoint).
 *
 * <p>Thread-safe: {@link #run} may be called by several threads for different pipelines; one
 * pipeline must not run twice at once on the same checkpoint store.
 */
public final class InProcessPipelineEngine implements PipelineEngine {

  /** Records between two checkpoints (and sink upserts) unless {@link Builder#checkpointEvery}. */
  public static final int DEFAULT_CHECKPOINT_EVERY = 10_000;
  /** Records between two progress calls unless {@link Builder#progressEvery} says otherwise. */
  public static final int DEFAULT_PROGRESS_EVERY = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(InProcessPipelineEngine.class);
  private static final int CHECKPOINT_VERSION = 1;

  private final CheckpointStore checkpoints;
  private final int checkpointEvery;
  private final int progressEvery;
  private final Consumer<PipelineProgress> progress;
  private final @Nullable MeterRegistry registry;
  private final TimeSource timeSource;

  private InProcessPipelineEngine(Builder b) {
    this.checkpoints = b.checkpoints;
    this.checkpointEvery = b.checkpointEvery;
    this.progressEvery = b.progressEvery;
    this.progress = b.progress;
    this.registry = b.registry;
    this.timeSource = b.timeSource;
  }

  /** The counts of a job, kept in its checkpoint. */
  private static final class Counts {
    long read;
    long filtered;
    long deadLetters;
    long emitted;
  }

  @Override
  public PipelineReport run(Pipeline pipeline) {
    PipelinePlan plan = Objects.requireNonNull(pipeline, "pipeline").plan();
    String name = plan.name();
    long started = timeSource.nanoTime();
    WindowState windows = new WindowState(plan.aggregation().windows());
    Counts counts = new Counts();
    Map<String, Long> position = Map.of();
    Optional<byte[]> saved = checkpoints.load(name);
    if (saved.isPresent()) {
      position = restore(plan, saved.get(), windows, counts);
      LOG.info("pipeline {}: resuming after {} records at {}", name, counts.read, position);
    }
    long resumedAt = counts.read;
    Meters meters = new Meters(registry, name);
    List<WindowedAggregate> closed = new ArrayList<>();
    try (SourceReader<?> reader = plan.source().open(position)) {
      meters.lag(reader);
      SourceRecord<?> record;
      while ((record = reader.next()) != null) {
        counts.read++;
        meters.read.increment();
        Object outcome = plan.transform(record);
        if (outcome instanceof PipelinePlan.Keyed keyed) {
          if (!windows.add(keyed.key(), keyed.value(), keyed.timestampMillis(), closed)) {
            meters.late.increment();
          }
        } else if (outcome instanceof DeadLetter deadLetter) {
          counts.deadLetters++;
          meters.deadLetters.increment();
          plan.deadLetters().accept(deadLetter);
        } else {
          counts.filtered++;
        }
        if (counts.read % checkpointEvery == 0) {
          flush(plan, closed, counts, meters);
          checkpoints.save(name, checkpoint(plan, reader.position(), windows, counts));
        }
        if (counts.read % progressEvery == 0) {
          progress.accept(progress(name, counts, windows, reader.remaining()));
        }
      }
      windows.closeAll(closed);
      flush(plan, closed, counts, meters);
      progress.accept(progress(name, counts, windows, 0));
    } catch (RuntimeException e) {
      throw new PipelineException("pipeline " + name + " failed after " + counts.read
          + " records read: " + e.getMessage(), e);
    } finally {
      meters.close();
    }
    checkpoints.delete(name);
    PipelineReport report = new PipelineReport(name, counts.read, counts.filtered,
        counts.deadLetters, windows.dropped(), counts.emitted, resumedAt,
        Duration.ofNanos(timeSource.nanoTime() - started));
    LOG.info("{}", report.summary());
    return report;
  }

  private static PipelineProgress progress(String name, Counts counts, WindowState windows,
      long remaining) {
    return new PipelineProgress(name, counts.read, counts.emitted, counts.deadLetters,
        windows.dropped(), remaining);
  }

  private static void flush(PipelinePlan plan, List<WindowedAggregate> closed, Counts counts,
      Meters meters) {
    if (!closed.isEmpty()) {
      plan.sink().upsert(closed);
      counts.emitted += closed.size();
      meters.emitted.increment(closed.size());
      closed.clear();
    }
  }

  /** Names the definition a checkpoint belongs to, so that a changed one is not resumed. */
  private static String fingerprint(PipelinePlan plan) {
    Windows w = plan.aggregation().windows();
    return plan.name() + '|' + plan.source().name() + '|' + w.sizeMillis() + '/'
        + w.advanceMillis() + '/' + w.graceMillis() + '|' + plan.sink().table();
  }

  private static byte[] checkpoint(PipelinePlan plan, Map<String, Long> position,
      WindowState windows, Counts counts) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(CHECKPOINT_VERSION);
      out.writeUTF(fingerprint(plan));
      out.writeInt(position.size());
      for (Map.Entry<String, Long> e : position.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeLong(e.getValue());
      }
      out.writeLong(counts.read);
      out.writeLong(counts.filtered);
      out.writeLong(counts.deadLetters);
      out.writeLong(counts.emitted);
      windows.writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static Map<String, Long> restore(PipelinePlan plan, byte[] checkpoint,
      WindowState windows, Counts counts) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(checkpoint))) {
      int version = in.readInt();
      if (version != CHECKPOINT_VERSION) {
        throw new IllegalStateException("pipeline " + plan.name() + ": checkpoint version "
            + version + " is not " + CHECKPOINT_VERSION + "; delete it to start again");
      }
      String fingerprint = in.readUTF();
      if (!fingerprint.equals(fingerprint(plan))) {
        throw new IllegalStateException("pipeline " + plan.name() + ": the checkpoint belongs to"
            + " another definition (" + fingerprint + ", now " + fingerprint(plan)
            + "); delete it to start again");
      }
      Map<String, Long> position = new LinkedHashMap<>();
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        position.put(in.readUTF(), in.readLong());
      }
      counts.read = in.readLong();
      counts.filtered = in.readLong();
      counts.deadLetters = in.readLong();
      counts.emitted = in.readLong();
      windows.readFrom(in);
      return Map.copyOf(position);
    } catch (IOException e) {
      throw new IllegalStateException("pipeline " + plan.name() + ": the checkpoint is"
          + " unreadable (" + e + "); delete it to start again", e);
    }
  }

  /** The job's meters; no-ops without a registry. */
  private static final class Meters implements AutoCloseable {
    final Counter read;
    final Counter emitted;
    final Counter deadLetters;
    final Counter late;
    private final @Nullable MeterRegistry registry;
    private final String name;
    private @Nullable Gauge lagGauge;

    Meters(@Nullable MeterRegistry registry, String name) {
      this.registry = registry;
      this.name = name;
      MeterRegistry r = registry != null ? registry
          : new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
      read = r.counter("layerkit.pipeline.records.read", "name", name);
      emitted = r.counter("layerkit.pipeline.windows.emitted", "name", name);
      deadLetters = r.counter("layerkit.pipeline.dead.letters", "name", name);
      late = r.counter("layerkit.pipeline.late.dropped", "name", name);
    }

    void lag(SourceReader<?> reader) {
      if (registry != null) {
        lagGauge = Gauge.builder("layerkit.pipeline.lag", reader, SourceReader::remaining)
            .tag("name", name).register(registry);
      }
    }

    @Override
    public void close() {
      if (registry != null && lagGauge != null) {
        registry.remove(lagGauge);
      }
    }
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
     * Sets the time source of the report's elapsed time (default {@link TimeSource#system()});
     * meant for tests.
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
