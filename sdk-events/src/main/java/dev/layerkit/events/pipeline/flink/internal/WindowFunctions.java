package dev.layerkit.events.pipeline.flink.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * The aggregation of a window's contributions into its {@link Row}. Doubles are added in the
 * source's order, as the in-process engine adds them, so that sums are equal bit for bit: in
 * streaming mode a key's contributions arrive in that order (one upstream task, FIFO channels) and
 * are added as they come; in batch mode Flink sorts each task's input by key, which does not keep
 * the order of equal keys, so the window keeps its contributions and adds them sorted by {@link
 * Contribution#seq} (memory: one window's contributions of one key at a time).
 */
public final class WindowFunctions {

  private WindowFunctions() {}

  /** Streaming mode: adds contributions as they arrive. */
  public static final class Incremental implements AggregateFunction<Contribution, Row, Row> {

    private static final long serialVersionUID = 1L;

    @Override
    public Row createAccumulator() {
      return new Row();
    }

    @Override
    public Row add(Contribution value, Row accumulator) {
      return accumulator.add(value.value);
    }

    @Override
    public Row getResult(Row accumulator) {
      return accumulator;
    }

    @Override
    public Row merge(Row a, Row b) {
      throw new UnsupportedOperationException("windows of a pipeline never merge");
    }
  }

  /** Streaming mode: names the window of an incremental row. */
  public static final class Named extends ProcessWindowFunction<Row, Row, String, TimeWindow> {

    private static final long serialVersionUID = 1L;

    @Override
    public void process(String key, Context context, Iterable<Row> rows, Collector<Row> out) {
      for (Row row : rows) {
        row.key = key;
        row.windowStart = context.window().getStart();
        row.windowEnd = context.window().getEnd();
        out.collect(row);
      }
    }
  }

  private record Value(long seq, double value) {}

  /** Batch mode: adds a window's contributions in the source's order. */
  public static final class InSourceOrder
      extends ProcessWindowFunction<Contribution, Row, String, TimeWindow> {

    private static final long serialVersionUID = 1L;

    @Override
    public void process(String key, Context context, Iterable<Contribution> contributions,
        Collector<Row> out) {
      // Copied out: with object reuse the iterator may hand the same instance each time.
      List<Value> ordered = new ArrayList<>();
      for (Contribution c : contributions) {
        ordered.add(new Value(c.seq, c.value));
      }
      ordered.sort(Comparator.comparingLong(Value::seq));
      Row row = new Row();
      for (Value v : ordered) {
        row.add(v.value());
      }
      row.key = key;
      row.windowStart = context.window().getStart();
      row.windowEnd = context.window().getEnd();
      out.collect(row);
    }
  }
}
