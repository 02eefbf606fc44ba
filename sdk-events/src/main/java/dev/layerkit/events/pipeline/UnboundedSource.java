package dev.layerkit.events.pipeline;

import java.util.Map;

/**
 * A {@link PipelineSource} that can also be followed as it grows, for a streaming job ({@link
 * InProcessPipelineEngine#start}): the reader keeps returning the records appended after it
 * opened, instead of stopping at the end of the range that existed then. A Kafka topic is one
 * ({@code pipeline.kafka.KafkaTopicSource}).
 *
 * <p>The same source is read in batch by {@link PipelineSource#open} and followed by {@link
 * #openUnbounded}, so one definition runs as a nightly batch or as a stream. Implementations are
 * thread-safe; each reader is used by one thread.
 *
 * @param <T> the payload type
 */
public interface UnboundedSource<T> extends PipelineSource<T> {

  /**
   * Opens a reader that follows the source: at the start, or just after the position an
   * unbounded reader of this source reported. Its {@link SourceReader#next()} returns null when
   * no record came within a short wait (a fraction of a second) rather than at an end, which
   * never comes: the engine calls it again, and between two calls may stop, checkpoint or report
   * progress. Its {@link SourceReader#remaining()} is the lag: records known to be in the source
   * and not yet read.
   *
   * @param resumeFrom a {@link SourceReader#position()} of an unbounded reader of this source, or
   *     an empty map to read from the start
   * @return a reader; close it
   * @throws NullPointerException if {@code resumeFrom} is null
   * @throws IllegalArgumentException if {@code resumeFrom} is not a position of this source
   */
  SourceReader<T> openUnbounded(Map<String, Long> resumeFrom);
}
