package dev.layerkit.events.pipeline.internal;

import dev.layerkit.events.pipeline.AnalyticsSink;
import dev.layerkit.events.pipeline.DeadLetter;
import dev.layerkit.events.pipeline.PipelineSource;
import dev.layerkit.events.pipeline.SourceRecord;
import dev.layerkit.events.stream.WindowedAggregation;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What an engine runs: a pipeline's parts without their types, and the one rule for turning a
 * source record into a keyed value or a dead letter, so that every engine gives the same results.
 *
 * @param name the pipeline's name
 * @param source the source
 * @param steps the transforms in order
 * @param key the grouping key of a transformed value
 * @param aggregation the windowed aggregation of transformed values
 * @param sink the sink
 * @param deadLetters where dead letters go
 */
public record PipelinePlan(String name, PipelineSource<?> source, List<Step> steps,
    Function<Object, String> key, WindowedAggregation<Object> aggregation, AnalyticsSink sink,
    Consumer<DeadLetter> deadLetters) {

  /** A record ready to aggregate: its key, value for the aggregation and event time. */
  public record Keyed(String key, double value, long timestampMillis) {}

  /**
   * Decodes and transforms one record.
   *
   * @param record the record
   * @return a {@link Keyed} value, a {@link DeadLetter}, or null if a filter dropped it
   */
  public @Nullable Object transform(SourceRecord<?> record) {
    Object value;
    try {
      value = record.payload();
    } catch (RuntimeException e) {
      return deadLetter(record, "decode", e);
    }
    if (record.timestampMillis() < 0) {
      return new DeadLetter(source.name(), record.position(), "timestamp",
          "event time before the epoch: " + record.timestampMillis(), record.bytes());
    }
    for (Step step : steps) {
      Object next;
      try {
        next = step.apply(value);
      } catch (RuntimeException e) {
        return deadLetter(record, step.name(), e);
      }
      if (next == null) {
        return null;
      }
      if (next instanceof Step.Rejected rejected) {
        return new DeadLetter(source.name(), record.position(), rejected.stage(),
            rejected.reason(), record.bytes());
      }
      value = next;
    }
    try {
      String k = key.apply(value);
      if (k == null) {
        return new DeadLetter(source.name(), record.position(), "keyBy", "the key was null",
            record.bytes());
      }
      return new Keyed(k, aggregation.valueOf(value), record.timestampMillis());
    } catch (RuntimeException e) {
      return deadLetter(record, "keyBy/value", e);
    }
  }

  private DeadLetter deadLetter(SourceRecord<?> record, String stage, RuntimeException e) {
    return new DeadLetter(source.name(), record.position(), stage,
        e.getClass().getSimpleName() + ": " + e.getMessage(), record.bytes());
  }
}
