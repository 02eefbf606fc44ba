package dev.layerkit.events.pipeline.flink.internal;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.events.pipeline.PipelineSource;
import dev.layerkit.events.pipeline.SourceRecord;
import dev.layerkit.events.pipeline.flink.PipelineFactory;
import dev.layerkit.events.pipeline.kafka.KafkaTopicSource;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jspecify.annotations.Nullable;

/**
 * A {@link KafkaTopicSource} read through Flink's Kafka connector from its earliest offsets:
 * bounded, to the end offsets at the job's start (as the in-process engine's batch run reads it),
 * or unbounded, following the topic (a streaming job); records keep their partition and offset
 * ({@code p0@123}) for dead letters. Also counts the topic's records for the engine's lag. In a
 * loaded class of its own so that the connector is needed only when a topic is read.
 */
public final class KafkaRecords {

  private static final Set<String> CONNECTOR_OWNED = Set.of(
      ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
      ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
      ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG);

  private KafkaRecords() {}

  /**
   * Builds the connector's source.
   *
   * @param topicSource the pipeline's source
   * @param factory makes the pipeline in the tasks (for the codec)
   * @param jobName the group id of the connector's consumers (no offsets are committed)
   * @param bounded whether to stop at the end offsets at the job's start, or follow the topic
   * @return the source, typed as Flink's {@link Source} so that the engine's code links without
   *     the connector on the class path
   */
  @SuppressWarnings("rawtypes")
  public static Source<SourceRecord, ?, ?> source(KafkaTopicSource<?> topicSource,
      PipelineFactory factory, String jobName, boolean bounded) {
    KafkaSourceBuilder<SourceRecord> builder = KafkaSource.<SourceRecord>builder()
        .setProperties(properties(topicSource))
        .setTopics(topicSource.topic())
        .setGroupId("layerkit-pipeline-" + jobName)
        .setStartingOffsets(OffsetsInitializer.earliest())
        .setDeserializer(new Records(factory));
    if (bounded) {
      builder.setBounded(OffsetsInitializer.latest());
    }
    return builder.build();
  }

  private static Properties properties(KafkaTopicSource<?> topicSource) {
    Properties properties = new Properties();
    for (Map.Entry<String, Object> e : topicSource.consumerProperties().entrySet()) {
      if (!CONNECTOR_OWNED.contains(e.getKey())) {
        Object v = e.getValue();
        properties.setProperty(e.getKey(), v instanceof Class<?> c ? c.getName() : v.toString());
      }
    }
    properties.setProperty("commit.offsets.on.checkpoint", "false");
    return properties;
  }

  /**
   * Returns a count of the records the topic holds now (end offsets less earliest offsets, summed
   * over its partitions), asked of the brokers on each call through a consumer of its own, which
   * the returned object closes; the engine's lag is that count less the records read.
   *
   * @param topicSource the pipeline's source
   * @return the counter; call from one thread
   */
  public static RecordCount recordCount(KafkaTopicSource<?> topicSource) {
    return new RecordCount(topicSource);
  }

  /** The records a topic holds, for the lag. Not thread-safe. */
  public static final class RecordCount implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;

    RecordCount(KafkaTopicSource<?> topicSource) {
      Map<String, Object> config = new HashMap<>(topicSource.consumerProperties());
      config.keySet().removeAll(CONNECTOR_OWNED);
      config.remove(ConsumerConfig.GROUP_ID_CONFIG);
      this.consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
          new ByteArrayDeserializer());
      this.topic = topicSource.topic();
    }

    /**
     * Returns the records in the topic now.
     *
     * @return the count, or -1 if the brokers did not answer in time
     */
    public long records() {
      try {
        List<TopicPartition> partitions = consumer.partitionsFor(topic, TIMEOUT).stream()
            .map(p -> new TopicPartition(topic, p.partition())).toList();
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, TIMEOUT);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
        long records = 0;
        for (TopicPartition tp : partitions) {
          records += end.get(tp) - begin.get(tp);
        }
        return records;
      } catch (KafkaException e) {
        return -1;
      }
    }

    @Override
    public void close() {
      consumer.close();
    }
  }

  /** Makes each Kafka record a {@link SourceRecord} decoded lazily by the source's codec. */
  @SuppressWarnings("rawtypes")
  private static final class Records implements KafkaRecordDeserializationSchema<SourceRecord> {

    private static final long serialVersionUID = 1L;
    private static final byte[] EMPTY = new byte[0];

    private final PipelineFactory factory;
    private transient @Nullable Codec<?> codec;

    Records(PipelineFactory factory) {
      this.factory = factory;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
      PipelineSource<?> source = Plans.withoutSink(factory).source();
      if (!(source instanceof KafkaTopicSource<?> topic)) {
        throw new IllegalStateException("the pipeline factory made a pipeline whose source is "
            + source + ", not a Kafka topic, in a task: it must make the same pipeline each time");
      }
      codec = topic.codec();
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<SourceRecord> out) {
      Codec<?> c = codec;
      if (c == null) {
        throw new IllegalStateException("not opened");
      }
      byte[] value = record.value();
      out.collect(SourceRecord.encoded("p" + record.partition(), record.offset(),
          record.timestamp(), value != null ? value : EMPTY, c));
    }

    @Override
    public TypeInformation<SourceRecord> getProducedType() {
      return TypeInformation.of(SourceRecord.class);
    }
  }
}
