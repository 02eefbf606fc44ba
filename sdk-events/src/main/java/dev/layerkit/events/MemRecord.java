package dev.layerkit.events;

import dev.layerkit.events.internal.EncodedRecord;
import java.util.Map;

/**
 * A member's view of the record it is delivering, refilled from the partition's ring for each
 * record ({@link MemPartition#read}) so that delivery allocates no record. Valid only until the
 * next refill; owned by one member's thread, not thread-safe.
 */
final class MemRecord implements EncodedRecord {

  private final String topic;
  private int partition;
  private long offset;
  private String key = "";
  private long timestampMillis;
  private Map<String, String> headers = Map.of();
  private byte[] value = new byte[0];

  MemRecord(String topic) {
    this.topic = topic;
  }

  void set(int partition, long offset, String key, long timestampMillis,
      Map<String, String> headers, byte[] value) {
    this.partition = partition;
    this.offset = offset;
    this.key = key;
    this.timestampMillis = timestampMillis;
    this.headers = headers;
    this.value = value;
  }

  @Override
  public String topic() {
    return topic;
  }

  @Override
  public int partition() {
    return partition;
  }

  @Override
  public long offset() {
    return offset;
  }

  @Override
  public String key() {
    return key;
  }

  @Override
  public long timestampMillis() {
    return timestampMillis;
  }

  @Override
  public Map<String, String> headers() {
    return headers;
  }

  @Override
  public byte[] value() {
    return value;
  }

  @Override
  public String toString() {
    return "MemRecord{" + topic + '-' + partition + '@' + offset + '}';
  }
}
