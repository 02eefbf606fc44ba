package dev.layerkit.events;

import java.time.Instant;
import java.util.Objects;

/**
 * Where a published event was stored: its topic, partition and offset, with the id and event time
 * the publisher gave it.
 *
 * @param eventId the id the event carries ({@link Event#id()})
 * @param topic the topic
 * @param partition the partition its key chose
 * @param offset its offset in the partition
 * @param timestamp its event time
 */
public record PublishReceipt(
    String eventId, String topic, int partition, long offset, Instant timestamp) {

  /**
   * Checks the components.
   *
   * @throws NullPointerException if a component is null
   * @throws IllegalArgumentException if {@code partition} or {@code offset} is negative
   */
  public PublishReceipt {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(timestamp, "timestamp");
    if (partition < 0) {
      throw new IllegalArgumentException("partition must be >= 0 but was " + partition);
    }
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be >= 0 but was " + offset);
    }
  }
}
