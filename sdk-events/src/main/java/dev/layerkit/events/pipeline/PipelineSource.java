package dev.layerkit.events.pipeline;

import java.util.Map;

/**
 * A bounded source of records for a {@link Pipeline}: {@link Sources#list in memory}, a Kafka
 * topic's retained range ({@code pipeline.kafka.KafkaTopicSource}) or a repository's records
 * ({@code pipeline.store.RepositorySource}).
 *
 * <p>A source reads its records in an order that is the same on every run over the same data, and
 * describes how far it got as a map of numbers ({@link SourceReader#position()}) from which it can
 * be opened again: that is what makes a job resumable with exactly the results of an
 * uninterrupted run. Implementations are thread-safe; each reader is used by one thread.
 *
 * @param <T> the payload type
 */
public interface PipelineSource<T> {

  /**
   * Returns the source's name, for reports, metrics and dead letters.
   *
   * @return the name
   */
  String name();

  /**
   * Opens a reader at the start, or just after the position a previous reader reported.
   *
   * @param resumeFrom a {@link SourceReader#position()} of a reader of this source, or an empty
   *     map to read from the start
   * @return a reader; close it
   * @throws NullPointerException if {@code resumeFrom} is null
   * @throws IllegalArgumentException if {@code resumeFrom} is not a position of this source
   */
  SourceReader<T> open(Map<String, Long> resumeFrom);
}
