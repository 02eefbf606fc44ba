package dev.layerkit.events.pipeline.kafka;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.internal.Arguments;
import dev.layerkit.core.internal.BuilderSettings;
import dev.layerkit.events.pipeline.PipelineSource;
import dev.layerkit.events.pipeline.SourceReader;
import dev.layerkit.events.pipeline.UnboundedSource;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A Kafka topic as a {@link PipelineSource}: in a batch job its retained range, from each
 * partition's earliest offset to its end offset when the job first starts (records published
 * later are left for the next run); in a streaming job ({@link #openUnbounded}) everything from
 * the earliest offset on, following what is published while it runs. Record values are decoded with the codec (a value it cannot decode, or a
 * tombstone, becomes a dead letter at {@code p<partition>@<offset>}); event time is the record's
 * timestamp, as {@code KafkaEventPublisher} sets it from the event.
 *
 * <p>Order: the partitions are merged by timestamp (the smallest head first, ties to the lower
 * partition), as Kafka Streams picks its next record; within a partition records keep their
 * order, so out-of-order and late events stay where they were published. The same retained range
 * is thus read in the same order on every run, which a resumed job relies on. Its position is each
 * partition's next offset and end offset; no consumer group is used or committed.
 *
 * <p>Thread-safe; each reader owns one {@code KafkaConsumer}. Needs {@code kafka-clients}.
 *
 * @param <T> the payload type
 */
public final class KafkaTopicSource<T> implements UnboundedSource<T> {

  /** How long a reader waits for records it knows are there before it fails, by default. */
  public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(60);

  private static final Set<String> OWNED = Set.of(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
      ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
      ConsumerConfig.GROUP_ID_CONFIG);

  private final String topic;
  private final Codec<T> codec;
  private final Map<String, Object> config;
  private final Duration stallTimeout;

  private KafkaTopicSource(Builder<T> b) {
    this.topic = b.topic;
    this.codec = b.codec;
    this.config = Map.copyOf(b.config);
    this.stallTimeout = b.stallTimeout;
  }

  /**
   * Returns a builder.
   *
   * @param bootstrapServers the Kafka bootstrap servers
   * @param topic the topic
   * @param codec decodes record values
   * @param <T> the payload type
   * @return a builder
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code bootstrapServers} or {@code topic} is blank
   */
  public static <T> Builder<T> builder(String bootstrapServers, String topic, Codec<T> codec) {
    return new Builder<>(Arguments.notBlank(bootstrapServers, "bootstrapServers"),
        Arguments.notBlank(topic, "topic"), Objects.requireNonNull(codec, "codec"));
  }

  @Override
  public String name() {
    return "kafka:" + topic;
  }

  @Override
  public SourceReader<T> open(Map<String, Long> resumeFrom) {
    Objects.requireNonNull(resumeFrom, "resumeFrom");
    return new KafkaTopicReader<>(topic, codec, config, resumeFrom, stallTimeout, false);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Partitions are merged by timestamp as in a batch job while each has records to read; a
   * partition that has caught up does not hold the others back (records then come in arrival
   * order across partitions, so which event is late can depend on timing, as in any streaming
   * engine). A partition added to the topic after a checkpoint is read from its start on resume;
   * partitions added while the reader runs are read after a restart. Each poll waits at most
   * 200 ms.
   */
  @Override
  public SourceReader<T> openUnbounded(Map<String, Long> resumeFrom) {
    Objects.requireNonNull(resumeFrom, "resumeFrom");
    return new KafkaTopicReader<>(topic, codec, config, resumeFrom, stallTimeout, true);
  }

  /**
   * Returns the topic.
   *
   * @return the topic
   */
  public String topic() {
    return topic;
  }

  /**
   * Returns the codec of the records' values.
   *
   * @return the codec
   */
  public Codec<T> codec() {
    return codec;
  }

  /**
   * Returns the consumer properties the source's readers use (bootstrap servers and those given
   * to {@link Builder#property}), for an engine that reads the topic with its own consumer, as
   * the Flink engine does through Flink's Kafka connector.
   *
   * @return an immutable map
   */
  public Map<String, Object> consumerProperties() {
    return config;
  }

  @Override
  public String toString() {
    return "KafkaTopicSource{" + topic + '}';
  }

  /**
   * Builds a {@link KafkaTopicSource}. Each setting may be given once. Not thread-safe.
   *
   * @param <T> the payload type
   */
  public static final class Builder<T> {

    private final BuilderSettings settings = new BuilderSettings();
    private final String topic;
    private final Codec<T> codec;
    private final Map<String, Object> config = new HashMap<>();
    private Duration stallTimeout = DEFAULT_STALL_TIMEOUT;

    private Builder(String bootstrapServers, String topic, Codec<T> codec) {
      this.topic = topic;
      this.codec = codec;
      config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
      config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
      config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    }

    /**
     * Sets a consumer property (security, fetch sizes...). The deserializers, the group and
     * auto-commit are the source's own.
     *
     * @param name the property's name
     * @param value its value
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} is one the source owns
     * @throws IllegalStateException if this property was already set
     */
    public Builder<T> property(String name, Object value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      if (OWNED.contains(name)) {
        throw new IllegalArgumentException("property " + name + " is set by the source and"
            + " cannot be given");
      }
      settings.requireUnset("property " + name, config.get(name));
      config.put(name, value);
      return this;
    }

    /**
     * Sets how long a reader may wait for records the end offsets say are there before it fails
     * (default {@link #DEFAULT_STALL_TIMEOUT}).
     *
     * @param stallTimeout at least 1 ms
     * @return this builder
     * @throws NullPointerException if {@code stallTimeout} is null
     * @throws IllegalArgumentException if less than 1 ms
     * @throws IllegalStateException if already set
     */
    public Builder<T> stallTimeout(Duration stallTimeout) {
      settings.requireUnset("stallTimeout", this.stallTimeout);
      this.stallTimeout = Arguments.atLeastOneMilli(stallTimeout, "stallTimeout");
      return this;
    }

    /**
     * Builds the source; nothing connects until a reader is opened.
     *
     * @return the source
     */
    public KafkaTopicSource<T> build() {
      return new KafkaTopicSource<>(this);
    }
  }
}
