package dev.layerkit.events.pipeline.flink.internal;

import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.jspecify.annotations.Nullable;

/**
 * Counts the rows emitted, for the report; the count is operator state, so a restored job's
 * report covers the rows emitted before its checkpoint too, as the in-process engine's does.
 */
public final class RowCounter extends RichMapFunction<Row, Row> implements CheckpointedFunction {

  private static final long serialVersionUID = 1L;

  /** The accumulator's name. */
  public static final String EMITTED = "layerkit.emitted";
  /** Rows emitted before the checkpoint this run restored: the base of the engine's meter. */
  public static final String RESUMED_EMITTED = "layerkit.resumedEmitted";

  private transient @Nullable ListState<Long> state;
  private transient long emitted;
  private transient @Nullable LongCounter counter;

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    state = context.getOperatorStateStore().getListState(
        new ListStateDescriptor<>("emitted", Types.LONG));
    emitted = 0;
    if (context.isRestored()) {
      for (Long n : state.get()) {
        emitted += n;
      }
    }
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    if (state != null) {
      state.update(java.util.List.of(emitted));
    }
  }

  @Override
  public void open(OpenContext openContext) {
    counter = new LongCounter(emitted);
    getRuntimeContext().addAccumulator(EMITTED, counter);
    getRuntimeContext().addAccumulator(RESUMED_EMITTED, new LongCounter(emitted));
  }

  @Override
  public Row map(Row row) {
    emitted++;
    if (counter != null) {
      counter.add(1);
    }
    return row;
  }
}
