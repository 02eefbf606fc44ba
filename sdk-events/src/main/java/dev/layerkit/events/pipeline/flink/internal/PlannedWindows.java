package dev.layerkit.events.pipeline.flink.internal;

import java.util.Collection;
import java.util.List;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.streaming.api.windowing.assigners.WindowAssigner;
import org.apache.flink.streaming.api.windowing.triggers.EventTimeTrigger;
import org.apache.flink.streaming.api.windowing.triggers.Trigger;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;

/**
 * Puts a {@link Contribution} in the window {@link PlanOperator} chose for it, and fires the
 * window on event time. The watermark the engine sets ({@code stream time - grace - 1}) reaches a
 * window's {@code end - 1} exactly when the in-process engine would emit it, and never before a
 * contribution it accepted arrives, so nothing accepted is dropped here.
 */
public final class PlannedWindows extends WindowAssigner<Object, TimeWindow> {

  private static final long serialVersionUID = 1L;

  private final long sizeMillis;

  /**
   * Creates the assigner.
   *
   * @param sizeMillis the windows' size
   */
  public PlannedWindows(long sizeMillis) {
    this.sizeMillis = sizeMillis;
  }

  @Override
  public Collection<TimeWindow> assignWindows(Object element, long timestamp,
      WindowAssignerContext context) {
    long start = ((Contribution) element).windowStart;
    return List.of(new TimeWindow(start, start + sizeMillis));
  }

  @Override
  public Trigger<Object, TimeWindow> getDefaultTrigger() {
    return EventTimeTrigger.create();
  }

  @Override
  public TypeSerializer<TimeWindow> getWindowSerializer(ExecutionConfig executionConfig) {
    return new TimeWindow.Serializer();
  }

  @Override
  public boolean isEventTime() {
    return true;
  }

  @Override
  public String toString() {
    return "PlannedWindows{" + sizeMillis + " ms}";
  }
}
