package dev.layerkit.events.internal;

import java.util.Map;

/**
 * A stored event before decoding, as the {@link EventDispatcher} reads it: an immutable {@link
 * RawRecord} (Kafka) or the in-memory bus's per-subscription cursor, which is refilled for each
 * record and so is valid only during one {@link EventDispatcher#deliver} call.
 *
 * <p>Readers must not keep a reference to it past the call they were given it in; what must
 * outlive it (a dead letter) is copied.
 */
public interface EncodedRecord {

  /**
   * Returns the topic.
   *
   * @return the topic
   */
  String topic();

  /**
   * Returns the partition.
   *
   * @return the partition
   */
  int partition();

  /**
   * Returns the offset in the partition.
   *
   * @return the offset
   */
  long offset();

  /**
   * Returns the key.
   *
   * @return the key
   */
  String key();

  /**
   * Returns the event time.
   *
   * @return epoch milliseconds
   */
  long timestampMillis();

  /**
   * Returns the headers, with {@link EventHeaders#EVENT_ID} if the event has an id of its own.
   *
   * @return the headers, read-only
   */
  Map<String, String> headers();

  /**
   * Returns the encoded payload.
   *
   * @return the payload's bytes, not to be modified
   */
  byte[] value();

  /**
   * Returns the event id: the one in the headers (events published with an id of their own, and
   * dead letters), else the record's place in the log ({@link EventIds#fromPosition}).
   *
   * @return the id
   */
  default String eventId() {
    String id = headers().get(EventHeaders.EVENT_ID);
    return id != null ? id : EventIds.fromPosition(topic(), partition(), offset());
  }
}
