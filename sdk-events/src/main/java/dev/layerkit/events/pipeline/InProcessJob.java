package dev.layerkit.events.pipeline;

import dev.layerkit.events.pipeline.internal.PipelinePlan;
import dev.layerkit.events.pipeline.internal.WindowState;
import dev.layerkit.events.stream.WindowedAggregate;
import dev.layerkit.events.stream.Windows;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One run of a pipeline on the in-process engine, batch or streaming: the open windows, the
 * closed ones waiting for the sink, the counts, the checkpoint's format and the meters. The
 * engine's thread drives it; only {@link #lag} and the meters are read by other threads.
 */
final class InProcessJob implements AutoCloseable {

  private static final int CHECKPOINT_VERSION = 1;

  final PipelinePlan plan;
  final String name;
  private final boolean unbounded;
  private final CheckpointStore checkpoints;
  private final WindowState windows;
  private final List<WindowedAggregate> closed = new ArrayList<>();
  private final Counter readCounter;
  private final Counter emittedCounter;
  private final Counter deadLetterCounter;
  private final Counter lateCounter;
  private final @Nullable MeterRegistry registry;
  private final @Nullable Gauge lagGauge;
  /** The last lag the engine's thread saw, for the gauge (the reader is not thread-safe). */
  private final AtomicLong lag = new AtomicLong(-1);
  private Map<String, Long> position = Map.of();
  private long read;
  private long filtered;
  private long deadLetters;
  private long emitted;
  private final long resumedAt;

  InProcessJob(PipelinePlan plan, CheckpointStore checkpoints, @Nullable MeterRegistry registry,
      boolean unbounded) {
    this.plan = plan;
    this.name = plan.name();
    this.unbounded = unbounded;
    this.checkpoints = checkpoints;
    this.windows = new WindowState(plan.aggregation().windows());
    byte[] saved = checkpoints.load(name).orElse(null);
    if (saved != null) {
      restore(saved);
    }
    this.resumedAt = read;
    this.registry = registry;
    MeterRegistry r = registry != null ? registry : new SimpleMeterRegistry();
    readCounter = r.counter("layerkit.pipeline.records.read", "name", name);
    emittedCounter = r.counter("layerkit.pipeline.windows.emitted", "name", name);
    deadLetterCounter = r.counter("layerkit.pipeline.dead.letters", "name", name);
    lateCounter = r.counter("layerkit.pipeline.late.dropped", "name", name);
    lagGauge = registry == null ? null
        : Gauge.builder("layerkit.pipeline.lag", lag, AtomicLong::get).tag("name", name)
            .description("records in the source not yet read, -1 if unknown")
            .register(registry);
  }

  /** The position to open the source at: the checkpoint's, or the start. */
  Map<String, Long> position() {
    return position;
  }

  long read() {
    return read;
  }

  long resumedAt() {
    return resumedAt;
  }

  /** Decodes, transforms and aggregates one record. */
  void accept(SourceRecord<?> record) {
    read++;
    readCounter.increment();
    Object outcome = plan.transform(record);
    if (outcome instanceof PipelinePlan.Keyed keyed) {
      if (!windows.add(keyed.key(), keyed.value(), keyed.timestampMillis(), closed)) {
        lateCounter.increment();
      }
    } else if (outcome instanceof DeadLetter deadLetter) {
      deadLetters++;
      deadLetterCounter.increment();
      plan.deadLetters().accept(deadLetter);
    } else {
      filtered++;
    }
  }

  /** Whether closed windows wait for the sink. */
  boolean hasClosedWindows() {
    return !closed.isEmpty();
  }

  /** Closes every open window, as at the end of a bounded source. */
  void closeAll() {
    windows.closeAll(closed);
  }

  /** Writes the closed windows to the sink in one upsert. */
  void flush() {
    if (!closed.isEmpty()) {
      plan.sink().upsert(closed);
      emitted += closed.size();
      emittedCounter.increment(closed.size());
      closed.clear();
    }
  }

  /** Writes the closed windows, then saves the checkpoint at the reader's position. */
  void checkpoint(SourceReader<?> reader) {
    flush();
    checkpoints.save(name, encode(reader.position()));
  }

  /** Deletes the checkpoint, at the end of a batch job. */
  void deleteCheckpoint() {
    checkpoints.delete(name);
  }

  /** Records the reader's lag for the gauge and returns the progress. */
  PipelineProgress progress(long remaining) {
    lag.set(remaining);
    return new PipelineProgress(name, read, emitted, deadLetters, windows.dropped(), remaining);
  }

  PipelineReport report(Duration elapsed) {
    return new PipelineReport(name, read, filtered, deadLetters, windows.dropped(), emitted,
        resumedAt, elapsed);
  }

  @Override
  public void close() {
    if (registry != null && lagGauge != null) {
      registry.remove(lagGauge);
    }
  }

  /**
   * Names the definition a checkpoint belongs to, so that a changed one is not resumed; a
   * streaming job's checkpoint (a position with no end) is not a batch job's.
   */
  private String fingerprint() {
    Windows w = plan.aggregation().windows();
    return plan.name() + '|' + plan.source().name() + '|' + w.sizeMillis() + '/'
        + w.advanceMillis() + '/' + w.graceMillis() + '|' + plan.sink().table()
        + (unbounded ? "|unbounded" : "");
  }

  private byte[] encode(Map<String, Long> at) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(CHECKPOINT_VERSION);
      out.writeUTF(fingerprint());
      out.writeInt(at.size());
      for (Map.Entry<String, Long> e : at.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeLong(e.getValue());
      }
      out.writeLong(read);
      out.writeLong(filtered);
      out.writeLong(deadLetters);
      out.writeLong(emitted);
      windows.writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private void restore(byte[] checkpoint) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(checkpoint))) {
      int version = in.readInt();
      if (version != CHECKPOINT_VERSION) {
        throw new IllegalStateException("pipeline " + name + ": checkpoint version " + version
            + " is not " + CHECKPOINT_VERSION + "; delete it to start again");
      }
      String fingerprint = in.readUTF();
      if (!fingerprint.equals(fingerprint())) {
        throw new IllegalStateException("pipeline " + name + ": the checkpoint belongs to"
            + " another definition (" + fingerprint + ", now " + fingerprint()
            + "); delete it to start again");
      }
      Map<String, Long> at = new LinkedHashMap<>();
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        at.put(in.readUTF(), in.readLong());
      }
      read = in.readLong();
      filtered = in.readLong();
      deadLetters = in.readLong();
      emitted = in.readLong();
      windows.readFrom(in);
      position = Map.copyOf(at);
    } catch (IOException e) {
      throw new IllegalStateException("pipeline " + name + ": the checkpoint is unreadable ("
          + e + "); delete it to start again", e);
    }
  }
}
