package dev.layerkit.events.internal;

import java.util.Map;

/**
 * A stored event before decoding: what the in-memory log keeps and what a Kafka record carries.
 *
 * @param topic the topic
 * @param partition the partition
 * @param offset the offset in the partition
 * @param key the key
 * @param timestampMillis the event time, epoch milliseconds
 * @param headers the headers, with {@link EventHeaders#EVENT_ID} if the event has an id of its own
 * @param value the encoded payload
 */
public record RawRecord(
    String topic,
    int partition,
    long offset,
    String key,
    long timestampMillis,
    Map<String, String> headers,
    byte[] value) {

  /**
   * Returns the event id: the one in the headers (events published with an id of their own, and
   * dead letters), else the record's place in the log ({@link EventIds#fromPosition}).
   *
   * @return the id
   */
  public String eventId() {
    String id = headers.get(EventHeaders.EVENT_ID);
    return id != null ? id : EventIds.fromPosition(topic, partition, offset);
  }
}
