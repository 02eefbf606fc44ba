package dev.layerkit.events.pipeline.kafka;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.events.pipeline.SourceReader;
import dev.layerkit.events.pipeline.SourceRecord;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a topic's range with one assigned consumer, merging partitions by timestamp. Each
 * partition has a buffer of polled records; a record is returned only when every partition not
 * yet at its end has a buffered head, so the merge is the same whatever the polls return. A
 * partition with a full buffer is paused until it drains. Not thread-safe.
 *
 * <p>Unbounded (a streaming job), a partition has no end: the merge waits only for a partition
 * known to hold records not yet fetched (its end offset, as the consumer last learnt it, is past
 * its position); a partition that has caught up is idle and does not hold the others back, as in
 * Kafka Streams. {@link #next()} returns null after one poll that brought nothing to return.
 */
final class KafkaTopicReader<T> implements SourceReader<T> {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaTopicReader.class);
  private static final int BUFFER_LIMIT = 10_000;
  private static final byte[] EMPTY = new byte[0];

  private final Codec<T> codec;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Duration stallTimeout;
  private final List<TopicPartition> partitions = new ArrayList<>();
  private final Map<TopicPartition, ArrayDeque<ConsumerRecord<byte[], byte[]>>> buffers =
      new HashMap<>();
  private final Map<TopicPartition, Long> next = new HashMap<>();
  private final Map<TopicPartition, Long> end = new HashMap<>();
  /** Unbounded: each partition's end offset as last learnt, for the lag and the merge's wait. */
  private final Map<TopicPartition, Long> knownEnd = new HashMap<>();
  private final boolean unbounded;

  KafkaTopicReader(String topic, Codec<T> codec, Map<String, Object> config,
      Map<String, Long> resumeFrom, Duration stallTimeout, boolean unbounded) {
    this.codec = codec;
    this.stallTimeout = stallTimeout;
    this.unbounded = unbounded;
    this.consumer = new KafkaConsumer<>(config);
    try {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, stallTimeout);
      if (infos == null || infos.isEmpty()) {
        throw new IllegalArgumentException("topic '" + topic + "' does not exist");
      }
      for (PartitionInfo info : infos) {
        partitions.add(new TopicPartition(topic, info.partition()));
      }
      partitions.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
      consumer.assign(partitions);
      Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, stallTimeout);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, stallTimeout);
      if (unbounded && !resumeFrom.isEmpty()
          && !resumeFrom.keySet().stream().allMatch(k -> k.matches("(p|end)[0-9]+"))) {
        throw new IllegalArgumentException("resumeFrom is not a position of topic '" + topic
            + "': " + resumeFrom);
      }
      for (TopicPartition tp : partitions) {
        Long resumeNext = resumeFrom.get("p" + tp.partition());
        Long resumeEnd = resumeFrom.get("end" + tp.partition());
        if (unbounded) {
          if (!resumeFrom.isEmpty() && resumeNext == null) {
            LOG.info("topic {} partition {} is not in the checkpoint (added since): read from"
                + " its start", topic, tp.partition());
          }
          resumeEnd = null;
        } else if (!resumeFrom.isEmpty() && (resumeNext == null || resumeEnd == null)) {
          throw new IllegalArgumentException("resumeFrom is not a position of topic '" + topic
              + "' (partition " + tp.partition() + " missing): " + resumeFrom);
        }
        long from = resumeNext != null ? Math.max(resumeNext, begin.get(tp)) : begin.get(tp);
        if (resumeNext != null && resumeNext < begin.get(tp)) {
          LOG.warn("topic {} partition {}: records {} to {} were deleted by retention since the"
              + " checkpoint; the resumed job cannot read them", topic, tp.partition(), resumeNext,
              begin.get(tp) - 1);
        }
        next.put(tp, from);
        end.put(tp, unbounded ? Long.MAX_VALUE : resumeEnd != null ? resumeEnd : ends.get(tp));
        knownEnd.put(tp, ends.get(tp));
        buffers.put(tp, new ArrayDeque<>());
        consumer.seek(tp, from);
      }
      if (!unbounded && !resumeFrom.isEmpty() && resumeFrom.size() != 2 * partitions.size()) {
        throw new IllegalArgumentException("resumeFrom is not a position of topic '" + topic
            + "' (" + partitions.size() + " partitions): " + resumeFrom);
      }
    } catch (RuntimeException e) {
      consumer.close();
      throw e;
    }
  }

  private boolean done(TopicPartition tp) {
    return buffers.get(tp).isEmpty() && consumer.position(tp) >= end.get(tp);
  }

  /** Unbounded: whether a partition has records the consumer has not fetched yet. */
  private boolean behind(TopicPartition tp) {
    return consumer.position(tp) < knownEnd.get(tp);
  }

  @Override
  public @Nullable SourceRecord<T> next() {
    long deadline = System.nanoTime() + stallTimeout.toNanos();
    boolean polled = false;
    while (true) {
      boolean waiting = false;
      TopicPartition best = null;
      ConsumerRecord<byte[], byte[]> bestHead = null;
      for (TopicPartition tp : partitions) {
        ConsumerRecord<byte[], byte[]> head = buffers.get(tp).peek();
        if (head == null) {
          if (unbounded ? behind(tp) : next.get(tp) < end.get(tp) && !done(tp)) {
            waiting = true;
          }
        } else if (bestHead == null || head.timestamp() < bestHead.timestamp()) {
          best = tp;
          bestHead = head;
        }
      }
      if (!waiting) {
        if (best == null) {
          if (!unbounded || polled) {
            return null;
          }
          poll();
          polled = true;
          continue;
        }
        buffers.get(best).poll();
        next.put(best, bestHead.offset() + 1);
        if (buffers.get(best).size() < BUFFER_LIMIT / 2 && consumer.paused().contains(best)) {
          consumer.resume(List.of(best));
        }
        byte[] value = bestHead.value();
        return SourceRecord.encoded("p" + best.partition(), bestHead.offset(),
            bestHead.timestamp(), value != null ? value : EMPTY, codec);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no records from " + partitions + " for "
            + stallTimeout + " though their end offsets " + end + " are not reached (at " + next
            + ')');
      }
      poll();
      polled = true;
    }
  }

  private void poll() {
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      if (r.offset() < end.get(tp)) {
        ArrayDeque<ConsumerRecord<byte[], byte[]>> buffer = buffers.get(tp);
        buffer.add(r);
        if (buffer.size() >= BUFFER_LIMIT) {
          consumer.pause(List.of(tp));
        }
      }
    }
    for (TopicPartition tp : partitions) {
      if (consumer.position(tp) >= end.get(tp) && !consumer.paused().contains(tp)) {
        consumer.pause(List.of(tp));
      }
      if (unbounded) {
        // Local metadata of the last fetch: no request to the broker.
        OptionalLong lag = consumer.currentLag(tp);
        if (lag.isPresent()) {
          knownEnd.put(tp, consumer.position(tp) + lag.getAsLong());
        }
      }
    }
  }

  @Override
  public Map<String, Long> position() {
    Map<String, Long> position = new LinkedHashMap<>();
    for (TopicPartition tp : partitions) {
      position.put("p" + tp.partition(), next.get(tp));
      position.put("end" + tp.partition(), unbounded ? -1L : end.get(tp));
    }
    return Map.copyOf(position);
  }

  @Override
  public long remaining() {
    long remaining = 0;
    for (TopicPartition tp : partitions) {
      remaining += Math.max(0, (unbounded ? knownEnd : end).get(tp) - next.get(tp));
    }
    return remaining;
  }

  @Override
  public void close() {
    consumer.close();
  }
}
