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
 * @param headers the headers, including {@link EventHeaders#EVENT_ID}
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
   * Returns the event id from the headers, or a stable id made of topic, partition and offset for a
   * record that was not published through Layerkit.
   *
   * @return the id
   */
  public String eventId() {
    String id = headers.get(EventHeaders.EVENT_ID);
    return id != null ? id : topic + '-' + partition + '@' + offset;
  }
}
