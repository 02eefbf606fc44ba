package dev.layerkit.events.pipeline;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads the records of a {@link PipelineSource} once, in its order. Not thread-safe: one engine
 * thread reads it.
 *
 * @param <T> the payload type
 */
public interface SourceReader<T> extends AutoCloseable {

  /**
   * Returns the next record, or null when the source's range is read.
   *
   * @return the record, or null at the end
   * @throws RuntimeException if the backend fails (the job fails; malformed records do not throw
   *     here but when their payload is decoded)
   */
  @Nullable SourceRecord<T> next();

  /**
   * Returns the position just after the last record returned, to give to {@link
   * PipelineSource#open(Map)} to resume there.
   *
   * @return an immutable map
   */
  Map<String, Long> position();

  /**
   * Returns how many records remain to be read, or -1 if the source cannot tell: the lag that
   * progress reports.
   *
   * @return the remaining records, or -1
   */
  long remaining();

  /** Releases the reader's resources. */
  @Override
  void close();
}
