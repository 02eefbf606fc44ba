package dev.layerkit.events.pipeline.flink.internal;

import dev.layerkit.events.pipeline.AnalyticsSink;
import dev.layerkit.events.pipeline.flink.PipelineFactory;
import dev.layerkit.events.stream.WindowedAggregate;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Writes rows through the pipeline's {@link AnalyticsSink}, one sink per writer (subtask). Rows
 * are buffered and upserted when the buffer is full, before each checkpoint and at the end of the
 * input; the upserts are idempotent, so rows written again after a restore change nothing, and a
 * checkpoint completes only after the rows of the windows it closed are in the sink.
 */
public final class SinkWriting implements Sink<Row> {

  private static final long serialVersionUID = 1L;

  /** Rows buffered before an upsert, at most. */
  public static final int BATCH = 5_000;

  private final PipelineFactory factory;

  /**
   * Creates the sink.
   *
   * @param factory makes the pipeline whose sink is written
   */
  public SinkWriting(PipelineFactory factory) {
    this.factory = factory;
  }

  @Override
  public SinkWriter<Row> createWriter(WriterInitContext context) {
    return new Writer(Plans.create(factory).sink());
  }

  private static final class Writer implements SinkWriter<Row> {

    private final AnalyticsSink sink;
    private final List<WindowedAggregate> buffer = new ArrayList<>();

    Writer(AnalyticsSink sink) {
      this.sink = sink;
    }

    @Override
    public void write(Row row, Context context) {
      buffer.add(row.toAggregate());
      if (buffer.size() >= BATCH) {
        flush(false);
      }
    }

    @Override
    public void flush(boolean endOfInput) {
      if (!buffer.isEmpty()) {
        sink.upsert(List.copyOf(buffer));
        buffer.clear();
      }
    }

    @Override
    public void close() {
      sink.close();
    }
  }
}
