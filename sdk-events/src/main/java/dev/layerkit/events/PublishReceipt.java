package dev.layerkit.events;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Where a published event was stored: its topic, partition and offset, with its id and event time.
 * What a publish's future completes with.
 *
 * <p>A receipt is made on the publisher's acknowledgement path (for Kafka, the producer's I/O
 * thread, once per event), so backends make it as cheaply as they can: the id of an event without
 * an id of its own ({@code <topic>-<partition>@<offset>}) and the {@link Instant} are built when
 * asked for, and {@link dev.layerkit.events.kafka.KafkaEventPublisher}'s future is itself the
 * receipt it completes with, reading the producer's acknowledgement, so that a publish makes one
 * object rather than two.
 *
 * <p>Equality: a receipt is not a value. Compare {@link #topic()}, {@link #partition()} and {@link
 * #offset()} (an event's place in the log) or {@link #eventId()}; a Kafka receipt, being its future,
 * is equal only to itself, and those of {@link #of} are equal when their five values are. Every
 * receipt is immutable and thread-safe once its future has completed with it.
 *
 * <p>Not meant to be implemented outside Layerkit's backends, other than by test doubles; use
 * {@link #of} to make one.
 */
public interface PublishReceipt {

  /**
   * Returns a receipt of these values, equal to another receipt of {@code of} with the same five.
   *
   * @param eventId the event's own id, or null if its id is its place in the log
   * @param topic the topic
   * @param partition the partition
   * @param offset the offset
   * @param timestampMillis the event time, epoch milliseconds
   * @return the receipt
   * @throws NullPointerException if {@code topic} is null
   * @throws IllegalArgumentException if {@code partition} or {@code offset} is negative
   */
  static PublishReceipt of(@Nullable String eventId, String topic, int partition, long offset,
      long timestampMillis) {
    return new ValueReceipt(eventId, topic, partition, offset, timestampMillis);
  }

  /**
   * Returns the id the event carries ({@link Event#id()}): its own, or its place in the log.
   *
   * @return the id
   */
  String eventId();

  /**
   * Returns the topic.
   *
   * @return the topic
   */
  String topic();

  /**
   * Returns the partition the key chose.
   *
   * @return the partition
   */
  int partition();

  /**
   * Returns the event's offset in its partition.
   *
   * @return the offset, not negative
   */
  long offset();

  /**
   * Returns the event time.
   *
   * @return the time, millisecond precision
   */
  Instant timestamp();
}
