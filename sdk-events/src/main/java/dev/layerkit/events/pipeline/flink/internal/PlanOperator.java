package dev.layerkit.events.pipeline.flink.internal;

import dev.layerkit.events.pipeline.DeadLetter;
import dev.layerkit.events.pipeline.SourceRecord;
import dev.layerkit.events.pipeline.flink.PipelineFactory;
import dev.layerkit.events.pipeline.internal.PipelinePlan;
import dev.layerkit.events.stream.Windows;
import java.util.Iterator;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.jspecify.annotations.Nullable;

/**
 * Transforms each source record with {@link PipelinePlan#transform} (the rule every engine
 * shares) and decides, in the source's order, which of its windows it joins: the lateness rule of
 * the in-process engine's {@code WindowState}. Stream time is the largest event time of the
 * records that reached the aggregation; a record joins each of its windows whose {@code end +
 * grace} is after stream time, and is dropped as late if there is none.
 *
 * <p>Deciding lateness here, at parallelism 1 before the records are keyed, is what makes Flink's
 * results equal the in-process engine's in both execution modes: Flink's own watermarks are
 * per-channel and periodic (so they would drop other records), and batch mode ignores lateness
 * altogether. The windows downstream only group what this operator accepted.
 *
 * <p>State (Flink operator state, so a restored job goes on exactly): stream time, the record
 * counter that orders contributions, and the report's counts.
 */
@SuppressWarnings("rawtypes")
public final class PlanOperator extends ProcessFunction<SourceRecord, Contribution>
    implements CheckpointedFunction {

  private static final long serialVersionUID = 1L;

  /** Accumulator names, read by the engine for its report. */
  public static final String READ = "layerkit.read";
  /** Records a filter dropped. */
  public static final String FILTERED = "layerkit.filtered";
  /** Dead letters. */
  public static final String DEAD_LETTERS = "layerkit.deadLetters";
  /** Records dropped as late. */
  public static final String LATE = "layerkit.late";
  /** Records read before the checkpoint this run restored. */
  public static final String RESUMED_AT = "layerkit.resumedAt";
  /** Dead letters before the checkpoint this run restored: the base of the engine's meter. */
  public static final String RESUMED_DEAD_LETTERS = "layerkit.resumedDeadLetters";
  /** Late records before the checkpoint this run restored: the base of the engine's meter. */
  public static final String RESUMED_LATE = "layerkit.resumedLate";

  private final PipelineFactory factory;

  private transient @Nullable PipelinePlan plan;
  private transient @Nullable ListState<long[]> state;
  private transient long streamTime;
  private transient long read;
  private transient long filtered;
  private transient long deadLetters;
  private transient long late;
  private transient long restoredRead;
  private transient long restoredDeadLetters;
  private transient long restoredLate;
  private transient @Nullable Counter readMeter;
  private transient LongCounter readCount;
  private transient LongCounter filteredCount;
  private transient LongCounter deadLetterCount;
  private transient LongCounter lateCount;

  /**
   * Creates the operator.
   *
   * @param factory makes the pipeline whose transforms and windows are applied
   */
  public PlanOperator(PipelineFactory factory) {
    this.factory = factory;
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    streamTime = Long.MIN_VALUE;
    state = context.getOperatorStateStore().getListState(new ListStateDescriptor<>("plan",
        PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
    if (context.isRestored()) {
      Iterator<long[]> saved = state.get().iterator();
      if (saved.hasNext()) {
        long[] s = saved.next();
        streamTime = s[0];
        read = s[1];
        filtered = s[2];
        deadLetters = s[3];
        late = s[4];
        restoredRead = read;
        restoredDeadLetters = deadLetters;
        restoredLate = late;
      }
    }
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    state().update(java.util.List.of(new long[] {streamTime, read, filtered, deadLetters,
        late}));
  }

  private ListState<long[]> state() {
    if (state == null) {
      throw new IllegalStateException("state not initialized");
    }
    return state;
  }

  @Override
  public void open(OpenContext openContext) {
    plan = Plans.withoutSink(factory);
    readMeter = getRuntimeContext().getMetricGroup().counter("layerkitRecordsRead");
    readCount = accumulator(READ, read);
    filteredCount = accumulator(FILTERED, filtered);
    deadLetterCount = accumulator(DEAD_LETTERS, deadLetters);
    lateCount = accumulator(LATE, late);
    accumulator(RESUMED_AT, restoredRead);
    accumulator(RESUMED_DEAD_LETTERS, restoredDeadLetters);
    accumulator(RESUMED_LATE, restoredLate);
  }

  private LongCounter accumulator(String name, long restored) {
    LongCounter counter = new LongCounter(restored);
    getRuntimeContext().addAccumulator(name, counter);
    return counter;
  }

  @Override
  public void processElement(SourceRecord record, Context context,
      Collector<Contribution> out) {
    PipelinePlan p = plan();
    read++;
    readCount.add(1);
    if (readMeter != null) {
      readMeter.inc();
    }
    Object outcome = p.transform(record);
    if (outcome instanceof PipelinePlan.Keyed keyed) {
      Windows windows = p.aggregation().windows();
      long ts = keyed.timestampMillis();
      streamTime = Math.max(streamTime, ts);
      if (windows.isLate(ts, streamTime)) {
        late++;
        lateCount.add(1);
        return;
      }
      for (long start = windows.firstWindowStart(ts); start <= ts;
          start += windows.advanceMillis()) {
        if (start + windows.sizeMillis() + windows.graceMillis() > streamTime) {
          out.collect(new Contribution(keyed.key(), start, keyed.value(), read, ts));
        }
      }
    } else if (outcome instanceof DeadLetter deadLetter) {
      deadLetters++;
      deadLetterCount.add(1);
      p.deadLetters().accept(deadLetter);
    } else {
      filtered++;
      filteredCount.add(1);
    }
  }

  private PipelinePlan plan() {
    if (plan == null) {
      throw new IllegalStateException("not opened");
    }
    return plan;
  }
}
