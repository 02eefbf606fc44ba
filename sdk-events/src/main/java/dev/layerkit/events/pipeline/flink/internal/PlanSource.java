package dev.layerkit.events.pipeline.flink.internal;

import dev.layerkit.events.pipeline.PipelineSource;
import dev.layerkit.events.pipeline.SourceRecord;
import dev.layerkit.events.pipeline.flink.PipelineFactory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.jspecify.annotations.Nullable;

/**
 * Any {@link PipelineSource} as a Flink source: one split, the source's whole range, read by one
 * reader in the source's order; the split's state is the source's {@linkplain
 * dev.layerkit.events.pipeline.SourceReader#position() position}, so a job restored from a Flink
 * checkpoint opens the source just after the last record the checkpoint covers.
 *
 * <p>One reader only: the engine runs it at parallelism 1, because the windows' lateness rule
 * (stream time over all records, in the source's order) needs that order.
 */
@SuppressWarnings("rawtypes")
public final class PlanSource
    implements Source<SourceRecord, PlanSource.PositionSplit, List<PlanSource.PositionSplit>> {

  private static final long serialVersionUID = 1L;

  private final PipelineFactory factory;

  /**
   * Creates the source.
   *
   * @param factory makes the pipeline whose source is read
   */
  public PlanSource(PipelineFactory factory) {
    this.factory = factory;
  }

  @Override
  public Boundedness getBoundedness() {
    return Boundedness.BOUNDED;
  }

  @Override
  public SplitEnumerator<PositionSplit, List<PositionSplit>> createEnumerator(
      SplitEnumeratorContext<PositionSplit> context) {
    return new Enumerator(context, List.of(new PositionSplit(Map.of())));
  }

  @Override
  public SplitEnumerator<PositionSplit, List<PositionSplit>> restoreEnumerator(
      SplitEnumeratorContext<PositionSplit> context, List<PositionSplit> checkpoint) {
    return new Enumerator(context, checkpoint);
  }

  @Override
  public SimpleVersionedSerializer<PositionSplit> getSplitSerializer() {
    return new SplitSerializer();
  }

  @Override
  public SimpleVersionedSerializer<List<PositionSplit>> getEnumeratorCheckpointSerializer() {
    return new PendingSerializer();
  }

  @Override
  public SourceReader<SourceRecord, PositionSplit> createReader(SourceReaderContext context) {
    return new Reader(context, Plans.withoutSink(factory).source());
  }

  /** The source's range from a position ({@code {}} is the start). */
  public record PositionSplit(Map<String, Long> position) implements SourceSplit {
    @Override
    public String splitId() {
      return "range";
    }
  }

  /** Hands the one split to the first reader that asks, and takes it back on failover. */
  private static final class Enumerator
      implements SplitEnumerator<PositionSplit, List<PositionSplit>> {

    private final SplitEnumeratorContext<PositionSplit> context;
    private final ArrayDeque<PositionSplit> pending;

    Enumerator(SplitEnumeratorContext<PositionSplit> context, List<PositionSplit> pending) {
      this.context = context;
      this.pending = new ArrayDeque<>(pending);
    }

    @Override
    public void start() {}

    @Override
    public void handleSplitRequest(int subtask, @Nullable String hostname) {
      PositionSplit split = pending.poll();
      if (split != null) {
        context.assignSplit(split, subtask);
      } else {
        context.signalNoMoreSplits(subtask);
      }
    }

    @Override
    public void addSplitsBack(List<PositionSplit> splits, int subtask) {
      pending.addAll(splits);
    }

    @Override
    public void addReader(int subtask) {}

    @Override
    public List<PositionSplit> snapshotState(long checkpointId) {
      return new ArrayList<>(pending);
    }

    @Override
    public void close() {}
  }

  /** Reads the split with the pipeline source's own reader. */
  private static final class Reader implements SourceReader<SourceRecord, PositionSplit> {

    private final SourceReaderContext context;
    private final PipelineSource<?> source;
    private dev.layerkit.events.pipeline.@Nullable SourceReader<?> reader;
    private CompletableFuture<Void> available = new CompletableFuture<>();
    private boolean noMoreSplits;

    Reader(SourceReaderContext context, PipelineSource<?> source) {
      this.context = context;
      this.source = source;
    }

    @Override
    public void start() {
      context.sendSplitRequest();
    }

    @Override
    public InputStatus pollNext(ReaderOutput<SourceRecord> output) {
      if (reader == null) {
        if (noMoreSplits) {
          return InputStatus.END_OF_INPUT;
        }
        if (available.isDone()) {
          available = new CompletableFuture<>();
        }
        return InputStatus.NOTHING_AVAILABLE;
      }
      SourceRecord<?> record = reader.next();
      if (record == null) {
        reader.close();
        reader = null;
        context.sendSplitRequest();
        return noMoreSplits ? InputStatus.END_OF_INPUT : InputStatus.NOTHING_AVAILABLE;
      }
      output.collect(record, record.timestampMillis());
      return InputStatus.MORE_AVAILABLE;
    }

    @Override
    public List<PositionSplit> snapshotState(long checkpointId) {
      return reader == null ? List.of() : List.of(new PositionSplit(reader.position()));
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
      return available;
    }

    @Override
    public void addSplits(List<PositionSplit> splits) {
      if (splits.size() != 1 || reader != null) {
        throw new IllegalStateException("one reader reads the one range, but got " + splits
            + " while reading " + (reader != null));
      }
      reader = source.open(splits.get(0).position());
      available.complete(null);
    }

    @Override
    public void notifyNoMoreSplits() {
      noMoreSplits = true;
      available.complete(null);
    }

    @Override
    public void close() {
      if (reader != null) {
        reader.close();
      }
    }
  }

  private static void write(DataOutputStream out, PositionSplit split) throws IOException {
    out.writeInt(split.position().size());
    for (Map.Entry<String, Long> e : split.position().entrySet()) {
      out.writeUTF(e.getKey());
      out.writeLong(e.getValue());
    }
  }

  private static PositionSplit read(DataInputStream in) throws IOException {
    Map<String, Long> position = new LinkedHashMap<>();
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      position.put(in.readUTF(), in.readLong());
    }
    return new PositionSplit(Map.copyOf(position));
  }

  private static final class SplitSerializer implements SimpleVersionedSerializer<PositionSplit> {
    @Override
    public int getVersion() {
      return 1;
    }

    @Override
    public byte[] serialize(PositionSplit split) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        write(out, split);
      }
      return bytes.toByteArray();
    }

    @Override
    public PositionSplit deserialize(int version, byte[] serialized) throws IOException {
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
        return read(in);
      }
    }
  }

  private static final class PendingSerializer
      implements SimpleVersionedSerializer<List<PositionSplit>> {
    @Override
    public int getVersion() {
      return 1;
    }

    @Override
    public byte[] serialize(List<PositionSplit> splits) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeInt(splits.size());
        for (PositionSplit split : splits) {
          write(out, split);
        }
      }
      return bytes.toByteArray();
    }

    @Override
    public List<PositionSplit> deserialize(int version, byte[] serialized) throws IOException {
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
        int n = in.readInt();
        List<PositionSplit> splits = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          splits.add(read(in));
        }
        return splits;
      }
    }
  }
}
