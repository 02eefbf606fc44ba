package dev.layerkit.events.internal;

import java.util.Map;

/**
 * A stored event before decoding, immutable: what a Kafka record carries, and a dead letter's
 * original.
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
    byte[] value) implements EncodedRecord {}
