package dev.layerkit.events.pipeline.flink.internal;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.events.pipeline.PipelineSource;
import dev.layerkit.events.pipeline.SourceRecord;
import dev.layerkit.events.pipeline.flink.PipelineFactory;
import dev.layerkit.events.pipeline.kafka.KafkaTopicSource;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;

/**
 * A {@link KafkaTopicSource} read through Flink's Kafka connector: the topic's range from its
 * earliest offsets to the end offsets at the job's start (bounded, as the in-process engine reads
 * it), records keeping their partition and offset ({@code p0@123}) for dead letters. In a loaded
 * class of its own so that the connector is needed only when a topic is read.
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
   * @return the source, typed as Flink's {@link Source} so that the engine's code links without
   *     the connector on the class path
   */
  @SuppressWarnings("rawtypes")
  public static Source<SourceRecord, ?, ?> source(KafkaTopicSource<?> topicSource,
      PipelineFactory factory, String jobName) {
    Properties properties = new Properties();
    for (Map.Entry<String, Object> e : topicSource.consumerProperties().entrySet()) {
      if (!CONNECTOR_OWNED.contains(e.getKey())) {
        Object v = e.getValue();
        properties.setProperty(e.getKey(), v instanceof Class<?> c ? c.getName() : v.toString());
      }
    }
    properties.setProperty("commit.offsets.on.checkpoint", "false");
    return KafkaSource.<SourceRecord>builder()
        .setProperties(properties)
        .setTopics(topicSource.topic())
        .setGroupId("layerkit-pipeline-" + jobName)
        .setStartingOffsets(OffsetsInitializer.earliest())
        .setBounded(OffsetsInitializer.latest())
        .setDeserializer(new Records(factory))
        .build();
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
