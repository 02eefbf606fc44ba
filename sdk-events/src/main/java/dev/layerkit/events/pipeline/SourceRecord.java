package dev.layerkit.events.pipeline;

import dev.layerkit.core.codec.Codec;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One record read from a {@link PipelineSource}: its position (a partition and an offset in it),
 * its event time and its payload, either ready or as bytes that are decoded when the engine asks
 * for them, so that a malformed record becomes a {@link DeadLetter} with its position instead of
 * failing the source. Immutable.
 *
 * @param <T> the payload type
 */
public final class SourceRecord<T> {

  private final String partition;
  private final long offset;
  private final long timestampMillis;
  private final @Nullable T payload;
  private final byte @Nullable [] bytes;
  private final @Nullable Codec<T> codec;
  private final @Nullable RuntimeException error;

  private SourceRecord(String partition, long offset, long timestampMillis, @Nullable T payload,
      byte @Nullable [] bytes, @Nullable Codec<T> codec, @Nullable RuntimeException error) {
    this.partition = Objects.requireNonNull(partition, "partition");
    this.offset = offset;
    this.timestampMillis = timestampMillis;
    this.payload = payload;
    this.bytes = bytes;
    this.codec = codec;
    this.error = error;
  }

  /**
   * Returns a record whose payload is already decoded.
   *
   * @param partition the partition it was read from
   * @param offset its offset in the partition
   * @param timestamp its event time
   * @param payload the payload
   * @param <T> the payload type
   * @return the record
   * @throws NullPointerException if an argument is null
   */
  public static <T> SourceRecord<T> of(String partition, long offset, Instant timestamp,
      T payload) {
    return new SourceRecord<>(partition, offset,
        Objects.requireNonNull(timestamp, "timestamp").toEpochMilli(),
        Objects.requireNonNull(payload, "payload"), null, null, null);
  }

  /**
   * Returns a record whose payload is decoded by {@code codec} when {@link #payload()} is called.
   *
   * @param partition the partition it was read from
   * @param offset its offset in the partition
   * @param timestampMillis its event time, epoch millis
   * @param bytes the encoded payload, possibly malformed
   * @param codec the codec that decodes it
   * @param <T> the payload type
   * @return the record
   * @throws NullPointerException if an argument is null
   */
  public static <T> SourceRecord<T> encoded(String partition, long offset, long timestampMillis,
      byte[] bytes, Codec<T> codec) {
    return new SourceRecord<>(partition, offset, timestampMillis, null,
        Objects.requireNonNull(bytes, "bytes"), Objects.requireNonNull(codec, "codec"), null);
  }

  /**
   * Returns a record the source could not read (for example its event time is missing): its
   * {@link #payload()} throws {@code error}, which sends it to the dead letters.
   *
   * @param partition the partition it was read from
   * @param offset its offset in the partition
   * @param error why it cannot be read
   * @param <T> the payload type
   * @return the record
   * @throws NullPointerException if an argument is null
   */
  public static <T> SourceRecord<T> unreadable(String partition, long offset,
      RuntimeException error) {
    return new SourceRecord<>(partition, offset, 0, null, null, null,
        Objects.requireNonNull(error, "error"));
  }

  /**
   * Returns the partition the record was read from (a Kafka partition's number, or the source's
   * name when it has one partition).
   *
   * @return the partition
   */
  public String partition() {
    return partition;
  }

  /**
   * Returns the record's offset in its partition.
   *
   * @return the offset
   */
  public long offset() {
    return offset;
  }

  /**
   * Returns where the record is, as {@code partition@offset}: what a dead letter reports.
   *
   * @return the position
   */
  public String position() {
    return partition + '@' + offset;
  }

  /**
   * Returns the event time in epoch millis.
   *
   * @return the event time
   */
  public long timestampMillis() {
    return timestampMillis;
  }

  /**
   * Returns the payload, decoding it if it came as bytes.
   *
   * @return the payload
   * @throws RuntimeException whatever the codec throws for malformed bytes, or the error of an
   *     {@link #unreadable} record
   */
  public T payload() {
    if (payload != null) {
      return payload;
    }
    if (error != null) {
      throw error;
    }
    return Objects.requireNonNull(Objects.requireNonNull(codec).decode(Objects.requireNonNull(bytes)),
        "the codec decoded null");
  }

  /**
   * Returns the encoded payload, or null if the record came decoded.
   *
   * @return the bytes, not a copy
   */
  public byte @Nullable [] bytes() {
    return bytes;
  }

  @Override
  public String toString() {
    return "SourceRecord{" + position() + ", t=" + timestampMillis + '}';
  }
}
